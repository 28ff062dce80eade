import type {CommandRunner} from '../exec.js'
import type {Reporter} from '../reporter.js'

export interface SourceRevision {
  /** Full commit sha, or '' outside a git checkout. */
  sha: string
  /** Uncommitted changes to tracked files: the image is not exactly that commit. */
  dirty: boolean
  /** Repository URL for the org.opencontainers.image.source label ('' when unknown). */
  source: string
}

/**
 * The commit the image is built from: the checkout's HEAD. GITHUB_SHA only stands in outside a git checkout:
 * in a workflow_run-triggered job (CD) it names the default branch's newest commit, not the one checked out.
 */
export async function sourceRevision(cwd: string, run: CommandRunner, reporter: Reporter, env: NodeJS.ProcessEnv = process.env): Promise<SourceRevision> {
  const fromCi = env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}` : ''
  try {
    const sha = (await run('git', ['rev-parse', 'HEAD'], {cwd, reporter})).stdout.trim()
    const dirty = (await run('git', ['status', '--porcelain', '--untracked-files=no'], {cwd, reporter})).stdout.trim() !== ''
    const origin = fromCi || (await run('git', ['config', '--get', 'remote.origin.url'], {cwd, reporter}).catch(() => ({stdout: ''}))).stdout.trim()
    return {sha, dirty, source: publicUrl(origin)}
  } catch (error) {
    const sha = env.GITHUB_SHA ?? ''
    reporter.warn(`not a git checkout (${(error as Error).message.split('\n')[0]}): ${sha ? `revision ${sha} from GITHUB_SHA` : 'the image tag says nogit'}`)
    return {sha, dirty: false, source: publicUrl(fromCi)}
  }
}

/** git@github.com:o/r.git → https://github.com/o/r; credentials in https URLs are dropped. */
function publicUrl(url: string): string {
  const scp = /^[\w.-]+@([\w.-]+):(.+?)(\.git)?$/.exec(url)
  if (scp) return `https://${scp[1]}/${scp[2]}`
  try {
    const u = new URL(url)
    u.username = ''
    u.password = ''
    return u.toString().replace(/\.git$/, '')
  } catch {
    return ''
  }
}
