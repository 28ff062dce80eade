const NEWLINE = 0x0a

/** Number of LF bytes in `buf`. */
export function countNewlines(buf: Uint8Array): number {
  let count = 0
  let at = buf.indexOf(NEWLINE)
  while (at !== -1) {
    count++
    at = buf.indexOf(NEWLINE, at + 1)
  }
  return count
}

/** Number of LF characters in `text` before `end`. */
export function countNewlinesIn(text: string, start = 0, end = text.length): number {
  let count = 0
  let at = text.indexOf('\n', start)
  while (at !== -1 && at < end) {
    count++
    at = text.indexOf('\n', at + 1)
  }
  return count
}
