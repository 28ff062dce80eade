/**
 * Crash-safe writes into an MLflow file store. Like src/core/fs/atomic.ts (temp file + fsync + rename), but the
 * temp files and directories are staged in the store's STAGING_DIR: a temp sibling inside `tags/`, `params/` or
 * `aliases/` would be read by MLflow as one more tag, param or alias, and a temp folder in an experiment or in
 * the root as a malformed run or experiment.
 */
import {createHash, randomBytes} from 'node:crypto'
import {hostname} from 'node:os'
import {link, mkdir, open, readdir, rename, rm, rmdir, stat} from 'node:fs/promises'
import path from 'node:path'
import {crashPoint} from '../../fs/crash-point.js'
import {isProcessAlive} from '../../fs/process.js'
import {LEGACY_STAGING_PREFIX, STAGING_DIR} from './layout.js'

const STALE_STAGING_MS = 60 * 60 * 1000
/** Staging names carry the host, so a pid is only checked on the machine it belongs to (stores can be shared). */
const HOST_TAG = createHash('sha1').update(hostname()).digest('hex').slice(0, 8)
const STAGING_NAME = /^([0-9a-f]{8})-(\d+)-[0-9a-f]+$/

/**
 * Creates a fresh entry in the store's staging folder with `create(tmp)` and returns its path. The folder exists
 * only while something is staged (`unstage` removes it when empty), so a store at rest holds nothing of
 * sentiops'; when another process removed it in between, it is made again.
 */
export async function stage(root: string, create: (tmp: string) => Promise<unknown>): Promise<string> {
  const dir = path.join(root, STAGING_DIR)
  for (let attempt = 0; ; attempt++) {
    const tmp = path.join(dir, `${HOST_TAG}-${process.pid}-${randomBytes(6).toString('hex')}`)
    try {
      await mkdir(dir, {recursive: true})
      await create(tmp)
      return tmp
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 20) throw error
    }
  }
}

/** Removes a staged entry (if still there) and the staging folder when nothing else is staged. */
export async function unstage(root: string, tmp: string): Promise<void> {
  await rm(tmp, {recursive: true, force: true})
  await rmdir(path.join(root, STAGING_DIR)).catch(() => undefined)
}

async function writeStaged(root: string, data: string | Uint8Array): Promise<string> {
  const tmp = await stage(root, async p => {
    const fh = await open(p, 'wx')
    try {
      await fh.writeFile(data)
      await fh.sync()
    } catch (error) {
      await fh.close()
      await rm(p, {force: true})
      throw error
    }
    await fh.close()
  })
  crashPoint(`stage ${tmp}`)
  return tmp
}

/** Replaces `target` with `data` atomically. */
export async function writeFileAtomicIn(root: string, target: string, data: string | Uint8Array): Promise<void> {
  const tmp = await writeStaged(root, data)
  try {
    await mkdir(path.dirname(target), {recursive: true})
    await rename(tmp, target)
    crashPoint(`publish ${target}`)
  } finally {
    await unstage(root, tmp)
  }
}

/**
 * Creates `target` with `data` only if it does not exist yet (link(2) fails with EEXIST), so two processes
 * can never both "win". Returns false when the file already existed.
 */
export async function writeFileOnceIn(root: string, target: string, data: string | Uint8Array): Promise<boolean> {
  const tmp = await writeStaged(root, data)
  try {
    await mkdir(path.dirname(target), {recursive: true})
    await link(tmp, target)
    crashPoint(`publish ${target}`)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  } finally {
    await unstage(root, tmp)
  }
}

/**
 * Builds a directory in the staging area and renames it to `target` in one step, so readers see either no
 * directory or a complete one. Returns false (and discards the build) when `target` already exists.
 */
export async function createDirAtomicIn(root: string, target: string, fill: (dir: string) => Promise<void>): Promise<boolean> {
  const tmp = await stage(root, p => mkdir(p))
  try {
    await fill(tmp)
    crashPoint(`stage ${tmp}`)
    await mkdir(path.dirname(target), {recursive: true})
    if (await exists(target)) return false
    await rename(tmp, target)
    crashPoint(`publish ${target}`)
    return true
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOTEMPTY' || code === 'EEXIST') return false
    throw error
  } finally {
    await unstage(root, tmp)
  }
}

export async function exists(p: string): Promise<boolean> {
  try {
    await stat(p)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw error
  }
}

/**
 * Removes staging leftovers of killed processes: at once when the process is gone from this machine, after an
 * hour otherwise (another machine sharing the store may still be writing). Folders that earlier builds staged
 * directly in the root go too, since MLflow would take them for experiments.
 */
export async function removeStaleStaging(root: string, now = Date.now()): Promise<void> {
  const staging = path.join(root, STAGING_DIR)
  const candidates: Array<{p: string; deadOwner: boolean}> = []
  for (const name of await readdir(staging).catch(() => [] as string[])) {
    const m = STAGING_NAME.exec(name)
    candidates.push({p: path.join(staging, name), deadOwner: Boolean(m && m[1] === HOST_TAG && Number(m[2]) !== process.pid && !isProcessAlive(Number(m[2])))})
  }
  for (const name of await readdir(root).catch(() => [] as string[])) {
    if (name.startsWith(LEGACY_STAGING_PREFIX)) candidates.push({p: path.join(root, name), deadOwner: false})
  }
  for (const {p, deadOwner} of candidates) {
    try {
      if (deadOwner || now - (await stat(p)).mtimeMs > STALE_STAGING_MS) await rm(p, {recursive: true, force: true})
    } catch {
      // Gone already, or owned by someone else: nothing to clean.
    }
  }
  await rmdir(staging).catch(() => undefined)
}
