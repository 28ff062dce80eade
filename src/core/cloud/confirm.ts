import {UsageError, UserError} from '../errors.js'

export interface ConfirmOptions {
  /** What the user must type (or pass to --confirm): the cluster or project name. */
  expected: string
  /** What is about to be destroyed, for the prompt. */
  action: string
  yes: boolean
  confirm?: string
  /** Asks on the terminal; undefined when there is none (CI, pipes, --json). */
  ask?: (question: string) => Promise<string>
}

/**
 * Destructive commands go ahead only with --yes, with --confirm <name> naming the right thing, or with that
 * name typed at an interactive prompt. Without a terminal they refuse instead of waiting on stdin.
 */
export async function confirmDestruction(options: ConfirmOptions): Promise<void> {
  const {expected} = options
  if (options.yes) return
  if (options.confirm !== undefined) {
    if (options.confirm === expected) return
    throw new UsageError(`--confirm ${options.confirm} does not match ${expected}; nothing was deleted`)
  }
  if (!options.ask) {
    throw new UserError(`refusing to ${options.action} without confirmation: there is no terminal to ask on`, {
      suggestions: [`pass --confirm ${expected} (or --yes) to go ahead`],
    })
  }
  const answer = (await options.ask(`This will ${options.action}. Type ${expected} to confirm: `)).trim()
  if (answer !== expected) throw new UserError(`confirmation did not match ${expected}; nothing was deleted`)
}

/** A prompt on the controlling terminal (stderr), or undefined when stdin/stderr are not a TTY or in CI. */
export function terminalAsk(env: NodeJS.ProcessEnv = process.env): ((question: string) => Promise<string>) | undefined {
  if (!process.stdin.isTTY || !process.stderr.isTTY || env.CI) return undefined
  return async question => {
    const {createInterface} = await import('node:readline/promises')
    const rl = createInterface({input: process.stdin, output: process.stderr})
    try {
      return await rl.question(question)
    } finally {
      rl.close()
    }
  }
}
