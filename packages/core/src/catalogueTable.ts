/**
 * The error catalogue as a table, for the README and `sky errors` of both lines.
 *
 * @internal
 */
import { catalogue, type CatalogueEntry, tags } from "./table.js"

const retryableText = (entry: CatalogueEntry): string =>
  entry.retryable === "by status" ? "408/409/424/429/5xx" : entry.retryable ? "yes" : "no"

/**
 * One row per tag: code, status, type, tag, retryable by default, meaning.
 *
 * @since 1.0.0
 * @category catalogue table
 */
export const rows = (): ReadonlyArray<ReadonlyArray<string>> =>
  tags.map((tag) => {
    const entry: CatalogueEntry = catalogue[tag]
    return [
      entry.code === undefined ? "-" : String(entry.code),
      entry.status === undefined ? "-" : String(entry.status),
      entry.type,
      tag,
      retryableText(entry),
      entry.meaning
    ]
  })

/**
 * The column titles.
 *
 * @since 1.0.0
 * @category catalogue table
 */
export const header: ReadonlyArray<string> = ["code", "status", "type", "tag", "retryable", "meaning"]

/**
 * The catalogue as a Markdown table.
 *
 * @since 1.0.0
 * @category catalogue table
 */
export const markdown = (): string =>
  [header, header.map(() => "---"), ...rows()].map((row) => `| ${row.join(" | ")} |`).join("\n")

/**
 * Any rows as a plain-text table with aligned columns.
 *
 * @since 1.0.0
 * @category catalogue table
 */
export const text = (head: ReadonlyArray<string>, body: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? "").length)))
  const line = (row: ReadonlyArray<string>): string =>
    row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ").trimEnd()
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n")
}
