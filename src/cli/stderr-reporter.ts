import type {Reporter} from '../core/reporter.js'

/**
 * Reporter for the CLI: chatter and progress on stderr. Progress redraws one line on a TTY and prints at most
 * one line per 10% step otherwise (CI logs stay short). Silent for info/progress in --json mode.
 */
export class StderrReporter implements Reporter {
  readonly warnings: string[] = []
  private lastBucket = new Map<string, number>()
  private started = new Map<string, number>()
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
    const now = performance.now()
    if (!this.started.has(label) || done === 0) this.started.set(label, now)
    const eta = etaText(now - this.started.get(label)!, done, total)
    if (this.tty) {
      process.stderr.write(`\r${label}: ${pct}% (${done}/${total})${eta}\x1b[K${done >= total ? '\n' : ''}`)
      return
    }
    const bucket = Math.floor(pct / 10)
    if (this.lastBucket.get(label) === bucket) return
    this.lastBucket.set(label, bucket)
    process.stderr.write(`${label}: ${pct}% (${done}/${total})${eta}\n`)
  }
}

/** " ETA 1m05s" once a step has taken a second and some work is left; "" otherwise. */
export function etaText(elapsedMs: number, done: number, total: number): string {
  if (done <= 0 || done >= total || elapsedMs < 1000) return ''
  const seconds = Math.round((elapsedMs / 1000 / done) * (total - done))
  return seconds >= 60 ? ` ETA ${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s` : ` ETA ${seconds}s`
}
