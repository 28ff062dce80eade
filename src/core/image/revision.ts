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

/** The commit the image is built from; CI's GITHUB_* variables win because CI checkouts may be shallow. */
export async function sourceRevision(cwd: string, run: CommandRunner, reporter: Reporter, env: NodeJS.ProcessEnv = process.env): Promise<SourceRevision> {
  const fromCi = env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}` : ''
  let sha = env.GITHUB_SHA ?? ''
  let dirty = false
  let source = fromCi
  try {
    if (!sha) sha = (await run('git', ['rev-parse', 'HEAD'], {cwd, reporter})).stdout.trim()
    dirty = (await run('git', ['status', '--porcelain', '--untracked-files=no'], {cwd, reporter})).stdout.trim() !== ''
    if (!source) source = (await run('git', ['config', '--get', 'remote.origin.url'], {cwd, reporter}).catch(() => ({stdout: ''}))).stdout.trim()
  } catch (error) {
    reporter.warn(`not a git checkout (${(error as Error).message.split('\n')[0]}): the image gets no revision tag`)
  }
  return {sha, dirty, source: publicUrl(source)}
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
