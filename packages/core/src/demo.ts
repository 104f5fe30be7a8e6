/**
 * The parts of `sky demo` that need no Effect, for both lines: its cases and
 * how it lays out its text.
 *
 * @internal
 */

/**
 * The demo's output fits this many columns.
 *
 * @since 1.0.0
 * @category layout
 */
export const width = 100

/**
 * Breaks a text into lines of at most `columns` characters, at spaces; a
 * longer word gets a line of its own.
 *
 * @since 1.0.0
 * @category layout
 */
export const wrap = (text: string, columns: number, indent: string): Array<string> => {
  const lines: Array<string> = []
  let line = ""
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    if (line === "") line = indent + word
    else if (line.length + 1 + word.length <= columns) line += " " + word
    else {
      lines.push(line)
      line = indent + word
    }
  }
  if (line !== "") lines.push(line)
  return lines
}
