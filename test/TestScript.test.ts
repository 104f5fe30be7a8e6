// `npm test`'s counting (scripts/suiteReport.mjs): a vitest pass that failed is never counted as 0 failed.
import { describe, expect, it } from "vitest"
// @ts-expect-error: a plain .mjs script of the repository, without declarations
import { countsOf } from "../scripts/suiteReport.mjs"

const count = countsOf as (report: unknown, status: number | null) => { passed: number; failed: number }

const file = (status: string, tests: ReadonlyArray<string>) => ({
  status,
  assertionResults: tests.map((s) => ({ status: s }))
})

describe("the counts of one vitest pass", () => {
  it("are the report's own when its tests decide", () => {
    const report = { numPassedTests: 2, numFailedTests: 1, testResults: [file("passed", ["passed"]), file("failed", ["passed", "failed"])] }
    expect(count(report, 1)).toEqual({ passed: 2, failed: 1 })
    expect(count({ numPassedTests: 3, numFailedTests: 0, testResults: [file("passed", ["passed"])] }, 0)).toEqual({
      passed: 3,
      failed: 0
    })
  })

  it("count a file that failed before its tests ran (an import that throws) as a failure", () => {
    const report = { numPassedTests: 821, numFailedTests: 0, testResults: [file("passed", ["passed"]), file("failed", [])] }
    expect(count(report, 1)).toEqual({ passed: 821, failed: 1 })
  })

  it("count a pass that exited non-zero with no failed test or file (an unhandled error) as a failure", () => {
    expect(count({ numPassedTests: 5, numFailedTests: 0, testResults: [file("passed", ["passed"])] }, 1).failed).toBe(1)
    expect(count({ numPassedTests: 5, numFailedTests: 0 }, null).failed).toBe(1)
  })
})
