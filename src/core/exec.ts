import {execa} from 'execa'
import {ExternalError} from './errors.js'
import {silentReporter, type Reporter} from './reporter.js'

/**
 * The one wrapper through which sentiops runs external programs (docker, buildah, eksctl, git, kubectl).
 * It logs the command with secrets masked, streams output lines to the reporter's debug channel (shown under
 * --verbose), and turns a missing program, a timeout or a non-zero exit into one ExternalError line that
 * names the command and the tail of its stderr.
 */

export interface RunOptions {
  cwd?: string
  /** Extra environment on top of process.env. */
  env?: Record<string, string | undefined>
  /** Text written to stdin (e.g. a password for `--password-stdin`); never logged. */
  input?: string
  /** Values masked wherever the command line or its output is shown. */
  secrets?: readonly string[]
  reporter?: Reporter
  timeoutMs?: number
  /** Shown when the program is not on PATH, e.g. "install Docker: https://docs.docker.com/engine/install/". */
  missingHint?: string
  /** Shown under the error when the command fails. */
  failureHint?: string
}

export interface CommandResult {
  /** The command line as shown to people: quoted, secrets masked. */
  command: string
  stdout: string
  stderr: string
  durationMs: number
}

/** The port core code depends on; tests may pass a recording fake. */
export type CommandRunner = (file: string, args: readonly string[], options?: RunOptions) => Promise<CommandResult>

const MASK = '***'
const STDERR_TAIL_LINES = 5

export const runCommand: CommandRunner = async (file, args, options = {}) => {
  const reporter = options.reporter ?? silentReporter
  const secrets = options.secrets ?? []
  const command = formatCommand(file, args, secrets)
  reporter.debug(`$ ${command}`)
  const started = performance.now()
  const child = execa(file, [...args], {
    cwd: options.cwd,
    env: options.env,
    input: options.input,
    timeout: options.timeoutMs,
    reject: false,
    stripFinalNewline: true,
    // The program must not wait on our terminal (e.g. a credential helper prompting).
    stdin: options.input === undefined ? 'ignore' : 'pipe',
  })
  const echo = (prefix: string) => (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) reporter.debug(`${prefix}${maskSecrets(line, secrets)}`)
  }
  child.stdout?.on('data', echo('  '))
  child.stderr?.on('data', echo('  ! '))
  const result = await child
  const durationMs = Math.round(performance.now() - started)
  const stdout = String(result.stdout ?? '')
  const stderr = String(result.stderr ?? '')

  if ((result as {code?: string}).code === 'ENOENT' || (result.failed && result.exitCode === undefined && /ENOENT/.test(String(result.message)))) {
    throw new ExternalError(`${file} not found on PATH (needed to run: ${command})`, {
      suggestions: options.missingHint ? [options.missingHint] : [],
      data: {command, missing: file},
    })
  }
  if (result.timedOut) {
    throw new ExternalError(`${command} timed out after ${Number(((options.timeoutMs ?? 0) / 1000).toFixed(1))} s`, {
      suggestions: options.failureHint ? [options.failureHint] : [],
      data: {command, stderrTail: tail(maskSecrets(stderr, secrets))},
    })
  }
  if (result.failed) {
    const stderrTail = tail(maskSecrets(stderr || stdout, secrets))
    const last = stderrTail.split('\n').filter(Boolean).at(-1) ?? (result.signal ? `killed by ${result.signal}` : 'no output')
    throw new ExternalError(`\`${command}\` failed (exit ${result.exitCode ?? result.signal}): ${last}`, {
      suggestions: options.failureHint ? [options.failureHint] : [],
      data: {command, exitCode: result.exitCode, stderrTail},
    })
  }
  return {command, stdout, stderr, durationMs}
}

/** Replaces every secret value (and `--password=value`-style arguments) with ***. */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let out = text
  for (const secret of secrets) if (secret) out = out.split(secret).join(MASK)
  return out.replace(/(--(?:password|token|secret)[\w-]*=)\S+/gi, `$1${MASK}`)
}

/** A copy-pastable POSIX shell rendering of a command, secrets masked. */
export function formatCommand(file: string, args: readonly string[], secrets: readonly string[] = []): string {
  return [file, ...args].map(part => maskSecrets(shellQuote(part), secrets)).join(' ')
}

function shellQuote(arg: string): string {
  if (arg === '') return "''"
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`
}

function tail(text: string): string {
  return text.trimEnd().split('\n').slice(-STDERR_TAIL_LINES).join('\n')
}
