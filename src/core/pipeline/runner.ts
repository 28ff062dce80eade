import {spawn} from 'node:child_process'
import path from 'node:path'
import {ExternalError} from '../errors.js'
import type {StageRunner} from './types.js'

/** A stage command line that exited non-zero, was killed, or could not start. */
export class StageCommandError extends ExternalError {
  override name = 'StageCommandError'
  override readonly code = 'STAGE_COMMAND_FAILED'

  constructor(
    readonly cmdLine: string,
    readonly exitStatus: number | null,
    readonly signal: NodeJS.Signals | null,
    detail?: string,
  ) {
    super(`\`${cmdLine}\` ${detail ?? (signal ? `was killed by ${signal}` : `exited with status ${exitStatus}`)}`)
  }
}

export interface ShellRunnerOptions {
  /**
   * Where a command's stdout and stderr go: our stderr (the default, so `--json` output on stdout stays clean),
   * our own stdout/stderr, nowhere, or a callback that receives the text.
   */
  output?: 'stderr' | 'inherit' | 'ignore' | ((text: string, stream: 'stdout' | 'stderr') => void)
}

/**
 * The shell DVC uses for a stage's command line: `$SHELL -c line` (bash without profile/rc files, zsh without
 * rc files, so a user's shell setup cannot change what runs), `/bin/sh -c line` when SHELL is unset.
 */
export function shellInvocation(line: string, env: NodeJS.ProcessEnv): {file: string; args: string[]} {
  const shell = env.SHELL || '/bin/sh'
  const flags: Record<string, string[]> = {bash: ['--noprofile', '--norc'], zsh: ['--no-rcs']}
  return {file: shell, args: [...(flags[path.basename(shell).toLowerCase()] ?? []), '-c', line]}
}

export function createShellRunner(options: ShellRunnerOptions = {}): StageRunner {
  const output = options.output ?? 'stderr'
  return (cmdLine, ctx) =>
    new Promise<void>((resolve, reject) => {
      const {file, args} = shellInvocation(cmdLine, ctx.env)
      const stdio =
        output === 'stderr' ? (['inherit', 2, 2] as const) : output === 'inherit' ? (['inherit', 'inherit', 'inherit'] as const) : output === 'ignore' ? (['ignore', 'ignore', 'ignore'] as const) : (['ignore', 'pipe', 'pipe'] as const)
      const child = spawn(file, args, {cwd: ctx.cwd, env: ctx.env, stdio: [...stdio], signal: ctx.signal})
      if (typeof output === 'function') {
        child.stdout?.setEncoding('utf8').on('data', (text: string) => output(text, 'stdout'))
        child.stderr?.setEncoding('utf8').on('data', (text: string) => output(text, 'stderr'))
      }
      let failed = false
      child.on('error', error => {
        failed = true
        const aborted = (error as NodeJS.ErrnoException).name === 'AbortError'
        reject(new StageCommandError(cmdLine, null, null, aborted ? 'was interrupted' : `could not start (${file}: ${error.message})`))
      })
      child.on('close', (code, signal) => {
        if (failed) return
        if (code === 0) resolve()
        else reject(new StageCommandError(cmdLine, code, signal))
      })
    })
}

/** Runs stage commands with `$SHELL -c`, their output on our stderr. */
export const shellRunner: StageRunner = createShellRunner()
