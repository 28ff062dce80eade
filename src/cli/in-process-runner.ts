import type {Config} from '@oclif/core'
import {EXIT_CODES, SentiopsError} from '../core/errors.js'

const SHELL_META = /[|&;<>()$`\\"'*?[\]#~=%{}]/

/** Splits a plain `sentiops <command> [args]` line; undefined when it needs a shell (quotes, pipes, globs...). */
export function parseSentiopsLine(line: string): string[] | undefined {
  const words = line.trim().split(/\s+/)
  if (words[0] !== 'sentiops' || words.length < 2) return undefined
  if (words.slice(1).some(w => SHELL_META.test(w.replace(/^--?[\w-]+=/, '')))) return undefined
  return words.slice(1)
}

/**
 * Runs `sentiops <stage>` lines of dvc.yaml inside this process (saves a Node start per stage); other lines
 * go to the shell runner. Stage output is sent to stderr so that stdout carries only repro's own result.
 */
export function inProcessRunner(config: Config, shell: (line: string, ctx: {stage: string; cwd: string; env: NodeJS.ProcessEnv}) => Promise<void>) {
  return async (line: string, ctx: {stage: string; cwd: string; env: NodeJS.ProcessEnv}): Promise<void> => {
    const argv = parseSentiopsLine(line)
    const commandId = argv && findCommand(config, argv)
    if (!argv || !commandId) return shell(line, ctx)
    const saved = {cwd: process.cwd(), env: {...process.env}, write: process.stdout.write, exitCode: process.exitCode}
    process.exitCode = undefined
    process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write
    try {
      for (const [k, v] of Object.entries(ctx.env)) if (v !== undefined && process.env[k] !== v) process.env[k] = v
      process.chdir(ctx.cwd)
      await config.runCommand(commandId.id, argv.slice(commandId.words))
      const code = process.exitCode ?? 0
      if (code !== 0) throw new InProcessStageError(`stage ${ctx.stage}: \`${line}\` failed with exit code ${code}`, code)
    } finally {
      process.stdout.write = saved.write
      process.chdir(saved.cwd)
      for (const k of Object.keys(process.env)) if (!(k in saved.env)) delete process.env[k]
      Object.assign(process.env, saved.env)
      process.exitCode = saved.exitCode
    }
  }
}

/** The longest command id matching the leading words (`models list` → models:list). */
function findCommand(config: Config, argv: string[]): {id: string; words: number} | undefined {
  for (let n = Math.min(3, argv.length); n >= 1; n--) {
    const id = argv.slice(0, n).join(':')
    if (config.findCommand(id)) return {id, words: n}
  }
  return undefined
}

/** A stage run in this process failed: repro exits with the stage's own code (a bad param is 1, not 4). */
export class InProcessStageError extends SentiopsError {
  override name = 'InProcessStageError'
  override readonly code = 'STAGE_FAILED'
  override readonly exitCode: number

  constructor(message: string, stageExitCode: number) {
    super(message)
    const known: readonly number[] = Object.values(EXIT_CODES)
    this.exitCode = known.includes(stageExitCode) ? stageExitCode : EXIT_CODES.external
  }
}
