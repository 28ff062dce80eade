/**
 * The one port through which core code talks to a person: chatter and progress go to stderr (or nowhere),
 * never to stdout, so `--json` output stays clean.
 */
export interface Reporter {
  info(message: string): void
  warn(message: string): void
  /** Progress of a long step; `total` unknown for streams. */
  progress(label: string, done: number, total?: number): void
  /** Extra detail shown only with --verbose. */
  debug(message: string): void
}

export const silentReporter: Reporter = {
  info() {},
  warn() {},
  progress() {},
  debug() {},
}
