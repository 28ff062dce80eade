/**
 * Crash-safe writes into an MLflow file store. Like src/core/fs/atomic.ts (temp file + fsync + rename), but the
 * temp files and directories are staged in the store root under a dot name: a temp sibling inside `tags/`,
 * `params/` or `aliases/` would be read by MLflow as one more tag, param or alias.
 */
import {randomBytes} from 'node:crypto'
import {link, mkdir, open, readdir, rename, rm, stat, unlink} from 'node:fs/promises'
import path from 'node:path'
import {STAGING_PREFIX} from './layout.js'

const STALE_STAGING_MS = 60 * 60 * 1000

export function stagingPath(root: string): string {
  return path.join(root, `${STAGING_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`)
}

async function writeStaged(root: string, data: string | Uint8Array): Promise<string> {
  const tmp = stagingPath(root)
  const fh = await open(tmp, 'wx')
  try {
    await fh.writeFile(data)
    await fh.sync()
  } catch (error) {
    await fh.close()
    await rm(tmp, {force: true})
    throw error
  }
  await fh.close()
  return tmp
}

/** Replaces `target` with `data` atomically. */
export async function writeFileAtomicIn(root: string, target: string, data: string | Uint8Array): Promise<void> {
  const tmp = await writeStaged(root, data)
  try {
    await mkdir(path.dirname(target), {recursive: true})
    await rename(tmp, target)
  } catch (error) {
    await rm(tmp, {force: true})
    throw error
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
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  } finally {
    await unlink(tmp).catch(() => undefined)
  }
}

/**
 * Builds a directory in the staging area and renames it to `target` in one step, so readers see either no
 * directory or a complete one. Returns false (and discards the build) when `target` already exists.
 */
export async function createDirAtomicIn(root: string, target: string, fill: (dir: string) => Promise<void>): Promise<boolean> {
  const tmp = stagingPath(root)
  await mkdir(tmp)
  try {
    await fill(tmp)
    await mkdir(path.dirname(target), {recursive: true})
    if (await exists(target)) return false
    await rename(tmp, target)
    return true
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOTEMPTY' || code === 'EEXIST') return false
    throw error
  } finally {
    await rm(tmp, {recursive: true, force: true})
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

/** Removes staging leftovers of crashed processes (older than an hour, so live writers are never touched). */
export async function removeStaleStaging(root: string, now = Date.now()): Promise<void> {
  let names: string[]
  try {
    names = await readdir(root)
  } catch {
    return
  }
  for (const name of names) {
    if (!name.startsWith(STAGING_PREFIX)) continue
    const p = path.join(root, name)
    try {
      const s = await stat(p)
      if (now - s.mtimeMs > STALE_STAGING_MS) await rm(p, {recursive: true, force: true})
    } catch {
      // Gone already, or owned by someone else: nothing to clean.
    }
  }
}
