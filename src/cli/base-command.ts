import {Command, Flags, Interfaces} from '@oclif/core'
import {loadParams, type LoadedParams} from '../core/config/index.js'
import {EXIT_CODES, isSentiopsError} from '../core/errors.js'
import {flagSuggestions} from './did-you-mean.js'
import {StderrReporter} from './stderr-reporter.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>
export type BaseArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

export {EXIT_CODE_HELP} from './exit-codes.js'

/**
 * Shared behaviour of every sentiops command: --json envelope, --verbose, --params, a stderr reporter,
 * and one readable error line with a stable exit code.
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true

  static override baseFlags = {
    params: Flags.string({
      description: 'params file to read (default: ./params.yaml; all defaults when it is missing)',
      env: 'SENTIOPS_PARAMS',
      helpGroup: 'GLOBAL',
    }),
    verbose: Flags.boolean({description: 'print debug detail and stack traces on errors', helpGroup: 'GLOBAL', default: false}),
  }

  protected flags!: BaseFlags<T>
  protected args!: BaseArgs<T>
  private _reporter?: StderrReporter

  protected get reporter(): StderrReporter {
    this._reporter ??= new StderrReporter({quiet: this.jsonEnabled(), verbose: Boolean(this.flags?.verbose)})
    return this._reporter
  }

  /** params.yaml (or --params) with SENTIOPS__* env and the given `key=value` overrides applied. */
  protected async loadParams(overrides: string[] = []): Promise<LoadedParams> {
    const fromEnv = (process.env.SENTIOPS_SET ?? '').split('\n').map(s => s.trim()).filter(Boolean)
    const loaded = await loadParams({file: this.flags.params, overrides: [...fromEnv, ...overrides]})
    // What DVC's own YAML loader would reject, and near-miss section names: warned once, before any work.
    for (const warning of loaded.warnings) this.reporter.warn(warning)
    return loaded
  }

  protected override toSuccessJson(result: unknown): unknown {
    return {status: 'ok', result, warnings: this._reporter?.warnings ?? []}
  }

  protected override toErrorJson(err: unknown): unknown {
    const e = err as {name?: string; message?: string; code?: string; exitCode?: number; oclif?: {exit?: number}; suggestions?: string[]; data?: unknown}
    return {
      status: 'error',
      error: {
        name: e.name ?? 'Error',
        code: e.code ?? 'ERROR',
        exitCode: exitCodeOf(err),
        message: e.message ?? String(err),
        suggestions: e.suggestions ?? [],
        ...(e.data ? {data: e.data} : {}),
      },
      warnings: this._reporter?.warnings ?? [],
    }
  }

  protected override async catch(err: Error & {exitCode?: number}): Promise<void> {
    // oclif's ExitError (from this.exit) is control flow, not a failure to print.
    if ((err as {oclif?: {exit?: number}}).oclif?.exit !== undefined && err.message.startsWith('EEXIT')) throw err
    const code = exitCodeOf(err)
    process.exitCode = code
    this.suggestFlags(err)
    if (this.jsonEnabled()) {
      this.logJson(this.toErrorJson(err))
      return
    }
    const verbose = this.argv.includes('--verbose')
    process.stderr.write(`Error: ${oneLine(err.message || String(err))}\n`)
    const suggestions = isSentiopsError(err) ? err.suggestions : ((err as {suggestions?: string[]}).suggestions ?? [])
    for (const s of suggestions) process.stderr.write(`  hint: ${s}\n`)
    if (!isSentiopsError(err) && code === EXIT_CODES.usage) process.stderr.write(`  See --help for usage.\n`)
    if (verbose && err.stack) process.stderr.write(`${err.stack}\n`)
    else if (code === EXIT_CODES.bug) process.stderr.write('  Run again with --verbose for the stack trace.\n')
  }

  /** oclif's "Nonexistent flag: --ephocs" gains "(did you mean --epochs?)" when one of this command's flags is close. */
  private suggestFlags(err: Error): void {
    const unknown = (err as {flags?: unknown}).flags
    if (!Array.isArray(unknown) || !/^Nonexistent flags?: /.test(err.message)) return
    const flags: Record<string, {hidden?: boolean}> = {...(this.ctor.baseFlags ?? {}), ...(this.ctor.flags ?? {})}
    const known = Object.entries(flags).filter(([, f]) => !f.hidden).map(([name]) => name)
    if (this.ctor.enableJsonFlag) known.push('json')
    const hits = flagSuggestions(unknown.map(String), known)
    if (hits.length === 0) return
    const hint = hits.length === 1 ? `did you mean ${hits[0].suggestion}?` : `did you mean ${hits.map(h => `${h.suggestion} for ${h.flag}`).join(', ')}?`
    const [first, ...rest] = err.message.split('\n')
    err.message = [`${first} (${hint})`, ...rest].join('\n')
  }

  public override async init(): Promise<void> {
    await super.init()
    const {flags, args} = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    })
    this.flags = flags as BaseFlags<T>
    this.args = args as BaseArgs<T>
  }
}

/** oclif's parse errors span several lines ("The following error occurred:", "See more help with --help"): keep the substance on one line. */
export function oneLine(message: string): string {
  const lines = message.split('\n').map(l => l.trim()).filter(l => l && !/^The following errors? occurred:?$/i.test(l) && !/^See more help with --help$/i.test(l))
  // "Missing 1 required arg:" + "b  challenger model" reads as one clause: join after a colon with a space.
  return lines.reduce((out, l) => (out === '' ? l : out + (out.endsWith(':') ? ' ' : '; ') + l), '').replace(/\s{2,}/g, ' ') || message.trim()
}

/** Maps any error to the documented exit codes: ours carry one; oclif parse errors are usage (2); the rest are bugs. */
export function exitCodeOf(err: unknown): number {
  if (isSentiopsError(err)) return err.exitCode
  const e = err as {oclif?: {exit?: number}; exitCode?: number; name?: string; code?: string}
  if (e?.oclif?.exit !== undefined) return e.oclif.exit === 1 ? EXIT_CODES.user : e.oclif.exit
  if (typeof e?.exitCode === 'number') return e.exitCode
  if (e?.code === 'ENOENT' || e?.code === 'EACCES' || e?.code === 'EISDIR') return EXIT_CODES.user
  return EXIT_CODES.bug
}
