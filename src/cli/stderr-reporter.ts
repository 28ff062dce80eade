import type {Reporter} from '../core/reporter.js'

/**
 * Reporter for the CLI: chatter and progress on stderr. Progress redraws one line on a TTY and prints at most
 * one line per 10% step otherwise (CI logs stay short). Silent for info/progress in --json mode.
 */
export class StderrReporter implements Reporter {
  readonly warnings: string[] = []
  private lastBucket = new Map<string, number>()
  private readonly tty = Boolean(process.stderr.isTTY) && !process.env.CI

  constructor(private readonly options: {quiet: boolean; verbose: boolean}) {}

  info(message: string): void {
    if (!this.options.quiet) process.stderr.write(`${message}\n`)
  }

  warn(message: string): void {
    this.warnings.push(message)
    if (!this.options.quiet) process.stderr.write(`Warning: ${message}\n`)
  }

  debug(message: string): void {
    if (this.options.verbose) process.stderr.write(`[debug] ${message}\n`)
  }

  progress(label: string, done: number, total?: number): void {
    if (this.options.quiet) return
    if (total === undefined || total <= 0) {
      if (this.tty) process.stderr.write(`\r${label}: ${done}`)
      return
    }
    const pct = Math.min(100, Math.floor((done / total) * 100))
    if (this.tty) {
      process.stderr.write(`\r${label}: ${pct}% (${done}/${total})${done >= total ? '\n' : ''}`)
      return
    }
    const bucket = Math.floor(pct / 10)
    if (this.lastBucket.get(label) === bucket) return
    this.lastBucket.set(label, bucket)
    process.stderr.write(`${label}: ${pct}% (${done}/${total})\n`)
  }
}
