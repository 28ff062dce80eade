/** Facts about the running process that runs are tagged with: user and git commit/branch. */
import {userInfo} from 'node:os'
import {runCommand, type CommandRunner} from '../exec.js'
import type {Reporter} from '../reporter.js'

export function currentUser(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.USER ?? env.LOGNAME ?? env.USERNAME
  if (fromEnv) return fromEnv
  try {
    return userInfo().username
  } catch {
    // No passwd entry (e.g. an arbitrary uid in a container).
    return 'unknown'
  }
}

export interface GitInfo {
  commit: string
  branch?: string
}

/** The HEAD commit of the git work tree containing `cwd`; undefined outside git or without a git binary. */
export async function gitInfo(cwd: string, options: {reporter?: Reporter; run?: CommandRunner} = {}): Promise<GitInfo | undefined> {
  const run = options.run ?? runCommand
  try {
    const commit = (await run('git', ['rev-parse', 'HEAD'], {cwd, reporter: options.reporter, timeoutMs: 5000})).stdout.trim()
    if (!/^[0-9a-f]{40}$/.test(commit)) return undefined
    const branch = (await run('git', ['rev-parse', '--abbrev-ref', 'HEAD'], {cwd, reporter: options.reporter, timeoutMs: 5000})).stdout.trim()
    return {commit, ...(branch && branch !== 'HEAD' ? {branch} : {})}
  } catch {
    return undefined
  }
}
