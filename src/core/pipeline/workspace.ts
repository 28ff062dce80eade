/**
 * What the runner does to the workspace around a stage: the repository lock, `.dvc/` creation, moving the
 * previous outputs aside (and putting them back if the stage fails, even after a crash), and `.gitignore`
 * entries for cached outputs.
 */
import {randomBytes} from 'node:crypto'
import {existsSync} from 'node:fs'
import {cp, mkdir, open, readdir, readFile, rename, rm, unlink} from 'node:fs/promises'
import path from 'node:path'
import {UserError} from '../errors.js'
import {discardPath, recoverPath, siblingPath, writeFileAtomic, writeJsonAtomic} from '../fs/atomic.js'
import {crashPoint} from '../fs/crash-point.js'
import {isProcessAlive} from '../fs/process.js'
import {DVC_DIR} from './dvc-config.js'

const SENTIOPS_TMP = path.join(DVC_DIR, 'tmp', 'sentiops')

/** Creates `.dvc/` the way `dvc init` minimally does, so real DVC can work in the same repository. */
export async function ensureDvcDir(root: string): Promise<boolean> {
  const dir = path.join(root, DVC_DIR)
  if (existsSync(dir)) return false
  await writeFileAtomic(path.join(dir, '.gitignore'), '/config.local\n/tmp\n/cache\n')
  // Outside a git work tree DVC refuses to run unless the repository says it has no SCM (`dvc init --no-scm`).
  await writeFileAtomic(path.join(dir, 'config'), insideGitWorkTree(root) ? '' : '[core]\n    no_scm = True\n')
  return true
}

function insideGitWorkTree(dir: string): boolean {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    if (existsSync(path.join(current, '.git'))) return true
    if (path.dirname(current) === current) return false
  }
}

/** Takes `.dvc/tmp/sentiops-repro.lock` so two runs cannot interleave in one repository. */
export async function acquireRepoLock(root: string): Promise<() => Promise<void>> {
  const file = path.join(root, DVC_DIR, 'tmp', 'sentiops-repro.lock')
  await mkdir(path.dirname(file), {recursive: true})
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(file, 'wx')
      await handle.writeFile(String(process.pid))
      await handle.close()
      return async () => {
        await rm(file, {force: true})
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error
      const owner = Number((await readFile(file, 'utf8').catch(() => '')).trim())
      if (owner && owner !== process.pid && isProcessAlive(owner)) {
        throw new UserError(`another sentiops repro (pid ${owner}) is running in ${root}; wait for it to finish`, {
          suggestions: [`if no such process exists, delete ${path.relative(root, file)}`],
        })
      }
      await unlink(file).catch(() => undefined)
    }
  }
}

interface BackupItem {
  original: string
  /**
   * Where the previous output is kept while the stage runs (undefined when there was none): moved next to it as
   * `.<name>.old-…`, where readers of the output (`readablePath`) find it; persist outputs are copied into the
   * backup folder instead, since the stage keeps working on them.
   */
  backup?: string
}

interface Manifest {
  pid: number
  stage: string
  items: BackupItem[]
  /** Set once the new outputs are complete and hashed: from then on they, not the backups, are kept. */
  done?: boolean
}

/**
 * The previous outputs of a stage, moved aside before it runs. `restore` puts them back in place of whatever the
 * failed run left; `discard` drops them after success. The manifest is written before anything moves, so the
 * next run restores them after a crash (`recoverInterruptedRuns`); until then readers use the moved-aside copy.
 */
export class OutputBackup {
  private constructor(private readonly dir: string, private readonly manifest: Manifest) {}

  static async create(root: string, stage: string, outs: Array<{abs: string; persist: boolean}>): Promise<OutputBackup> {
    const dir = path.join(root, SENTIOPS_TMP, `backup-${process.pid}-${randomBytes(4).toString('hex')}`)
    await mkdir(dir, {recursive: true})
    const items: BackupItem[] = []
    for (const [i, out] of outs.entries()) {
      await recoverPath(out.abs)
      const backup = !existsSync(out.abs) ? undefined : out.persist ? path.join(dir, String(i)) : siblingPath(out.abs, 'old')
      items.push({original: out.abs, ...(backup ? {backup} : {})})
    }
    const manifest: Manifest = {pid: process.pid, stage, items}
    await writeJsonAtomic(path.join(dir, 'manifest.json'), manifest)
    for (const [i, item] of items.entries()) {
      if (!item.backup) continue
      if (outs[i]!.persist) {
        // Copied under another name and renamed, so a half-made copy is never taken for the backup.
        await cp(item.original, `${item.backup}.partial`, {recursive: true, preserveTimestamps: true, verbatimSymlinks: true})
        await rename(`${item.backup}.partial`, item.backup)
      } else {
        await rename(item.original, item.backup)
      }
      crashPoint(`backup ${item.original}`)
    }
    return new OutputBackup(dir, manifest)
  }

  /** Records that the new outputs are complete, so a crash from here on keeps them. */
  async markDone(): Promise<void> {
    this.manifest.done = true
    await writeJsonAtomic(path.join(this.dir, 'manifest.json'), this.manifest)
  }

  async restore(): Promise<void> {
    await restoreItems(this.manifest.items)
    await rm(this.dir, {recursive: true, force: true})
  }

  async discard(): Promise<void> {
    await discardBackups(this.dir, this.manifest.items)
  }
}

async function discardBackups(dir: string, items: BackupItem[]): Promise<void> {
  for (const item of items) if (item.backup && !item.backup.startsWith(dir)) await discardPath(item.backup, item.original)
  await rm(dir, {recursive: true, force: true})
}

/**
 * Puts each backup back in place of what the stage left. A backup that is not there any more was never moved
 * (the kill came first) or was already put back (by an earlier recovery, or a writer's `recoverPath`): the
 * output is then left as it is. Nothing is deleted in place: it is renamed away first, so no kill leaves a
 * half-deleted output.
 */
async function restoreItems(items: BackupItem[]): Promise<void> {
  for (const item of items) {
    if (item.backup && !existsSync(item.backup)) continue
    await discardPath(item.original)
    if (item.backup) {
      await mkdir(path.dirname(item.original), {recursive: true})
      await rename(item.backup, item.original)
      crashPoint(`restore ${item.original}`)
    }
    await recoverPath(item.original)
  }
}

/**
 * Puts back the outputs a crashed or killed run had moved aside (its stage never finished, so dvc.lock still
 * describes those outputs). Call while holding the repository lock. Returns the stages restored.
 */
export async function recoverInterruptedRuns(root: string): Promise<string[]> {
  const base = path.join(root, SENTIOPS_TMP)
  let names: string[]
  try {
    names = (await readdir(base)).filter(name => name.startsWith('backup-'))
  } catch {
    return []
  }
  const restored: string[] = []
  for (const name of names) {
    const dir = path.join(base, name)
    let manifest: Manifest | undefined
    try {
      manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as Manifest
    } catch {
      manifest = undefined
    }
    if (manifest && manifest.pid !== process.pid && Array.isArray(manifest.items)) {
      if (manifest.done) {
        await discardBackups(dir, manifest.items)
      } else {
        await restoreItems(manifest.items)
        restored.push(manifest.stage)
      }
    }
    await rm(dir, {recursive: true, force: true})
  }
  return restored
}

/** Adds `/<name>` to the `.gitignore` next to a cached output, as DVC does (gitignore-escaped, once). */
export async function gitignoreOutput(abs: string): Promise<boolean> {
  const file = path.join(path.dirname(abs), '.gitignore')
  const entry = `/${path.basename(abs).replace(/[[\]!*#?]/g, ch => `\\${ch}`)}`
  let text = ''
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  if (text.split(/\r?\n/).includes(entry)) return false
  await writeFileAtomic(file, `${text}${text && !text.endsWith('\n') ? '\n' : ''}${entry}\n`)
  return true
}
