// What one vitest pass counts for `npm test` (scripts/test.mjs): its JSON report's passed and failed tests, and
// the failures that fail no test. A test file that throws before its tests run (a failed import) fails no test, and
// neither does an unhandled error; vitest exits 1 for either with numFailedTests 0. Each is counted as a failure,
// so that the last line and the summed report never say 0 failed of a pass that failed.

/**
 * The counts of one vitest pass: `report` is its parsed JSON report (vitest's shape), `status` its exit code.
 *
 * @param {{ numPassedTests: number, numFailedTests: number, testResults?: ReadonlyArray<{ status: string, assertionResults?: ReadonlyArray<{ status: string }> }> }} report
 * @param {number | null} status
 * @returns {{ passed: number, failed: number }}
 */
export const countsOf = (report, status) => {
  let failed = report.numFailedTests
  for (const file of report.testResults ?? []) {
    if (file.status === "failed" && !(file.assertionResults ?? []).some((test) => test.status === "failed")) failed += 1
  }
  if (status !== 0 && failed === 0) failed = 1
  return { passed: report.numPassedTests, failed }
}
