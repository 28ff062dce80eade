/**
 * The DVC 3 cache layout: `<cache>/files/md5/<2 hex>/<30 hex>` holds a file's bytes and
 * `<cache>/files/md5/<2>/<30>.dir` a directory's JSON listing; every object is read-only. Real DVC finds
 * outputs that sentiops cached here "in cache", so it does not re-run their stages.
 *
 * How an output shares bytes with its cache object follows `cache.type` as DVC does, each type tried in order:
 * `reflink` (copy-on-write clone), `copy`, `hardlink` and `symlink` (the output then IS the read-only cache
 * object, or points at it: "protected" outputs, which `unprotect` turns back into writable copies).
 */
import {randomBytes} from 'node:crypto'
import {constants} from 'node:fs'
import {access, chmod, copyFile, link, lstat, mkdir, readdir, readFile, rename, rm, stat, symlink, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {crashPoint} from '../fs/crash-point.js'
import {DEFAULT_CACHE_TYPES, type LinkType} from './dvc-config.js'
import type {DirDigest} from './hash.js'

/** Errors after which DVC tries the next link type (not supported here, another device, too many links). */
const UNSUPPORTED = new Set(['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK', 'ENOSYS', 'EINVAL', 'EACCES'])

export class DvcCache {
  constructor(
    readonly dir: string,
    readonly types: readonly LinkType[] = DEFAULT_CACHE_TYPES,
  ) {}

  /** Whether outputs become links to read-only cache objects (`hardlink`/`symlink` first in cache.type). */
  get protects(): boolean {
    return this.types[0] === 'hardlink' || this.types[0] === 'symlink'
  }

  /** Path of the object for an md5 (`.dir` hashes keep their suffix). */
  objectPath(hash: string): string {
    if (!/^[0-9a-f]{32}(\.dir)?$/.test(hash)) throw new Error(`not a DVC md5 hash: ${hash}`)
    return path.join(this.dir, 'files', 'md5', hash.slice(0, 2), hash.slice(2))
  }

  async has(hash: string): Promise<boolean> {
    try {
      await access(this.objectPath(hash))
      return true
    } catch {
      return false
    }
  }

  /** Whether a directory's `.dir` object and every file object it lists are in the cache. */
  async hasTree(dirHash: string): Promise<boolean> {
    let listing: unknown
    try {
      listing = JSON.parse(await readFile(this.objectPath(dirHash), 'utf8'))
    } catch {
      return false
    }
    if (!Array.isArray(listing)) return false
    for (const entry of listing as Array<{md5?: unknown}>) {
      if (typeof entry?.md5 !== 'string' || !(await this.has(entry.md5))) return false
    }
    return true
  }

  /**
   * Stores a file in the cache unless the object exists, by the first link type that works here; with
   * `hardlink`/`symlink` the workspace file is then replaced (atomically) by a link to the object.
   */
  async addFile(source: string, md5: string): Promise<void> {
    let lastError: unknown
    for (const type of this.types) {
      try {
        await this.transfer(type, source, md5)
        return
      } catch (error) {
        if (!UNSUPPORTED.has((error as NodeJS.ErrnoException).code ?? '')) throw error
        lastError = error
      }
    }
    throw lastError
  }

  private async transfer(type: LinkType, source: string, md5: string): Promise<void> {
    const target = this.objectPath(md5)
    const exists = await this.has(md5)
    if (type === 'reflink' || type === 'copy') {
      // `reflink,copy` (DVC's default) is one clone-or-copy call; `reflink` alone must clone.
      const mode = type === 'copy' ? 0 : this.types.includes('copy') ? constants.COPYFILE_FICLONE : constants.COPYFILE_FICLONE_FORCE
      if (!exists) await this.place(target, tmp => copyFile(source, tmp, mode))
      return
    }
    if (type === 'hardlink') {
      const [ws, object] = await Promise.all([stat(source), exists ? stat(target) : undefined])
      if (object && object.ino === ws.ino && object.dev === ws.dev) return
      if (!exists) {
        // The output's own inode becomes the object: read-only (protected), exec bits kept.
        await this.place(target, tmp => link(source, tmp), 0o444 | (ws.mode & 0o111))
        return
      }
      await replaceWith(source, tmp => link(target, tmp))
      return
    }
    if (!exists) await this.place(target, tmp => copyFile(source, tmp, constants.COPYFILE_FICLONE))
    await replaceWith(source, tmp => symlink(target, tmp))
  }

  /** Stores every file of a directory and then its `.dir` listing. */
  async addDir(digest: DirDigest): Promise<void> {
    for (const entry of digest.entries) await this.addFile(entry.abs, entry.md5)
    const target = this.objectPath(digest.md5)
    if (!(await this.has(digest.md5))) await this.place(target, tmp => writeFile(tmp, digest.listing))
  }

  /** Writes an object through a temp sibling, makes it read-only, then renames it into place. */
  private async place(target: string, write: (tmp: string) => Promise<void>, mode = 0o444): Promise<void> {
    await mkdir(path.dirname(target), {recursive: true})
    const tmp = `${target}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`
    try {
      await write(tmp)
      await chmod(tmp, mode)
      await rename(tmp, target)
    } catch (error) {
      await rm(tmp, {force: true})
      throw error
    }
    crashPoint(`cache ${target}`)
  }
}

/** Replaces `file` by what `make` creates at a temp sibling, in one rename: the output is never missing. */
async function replaceWith(file: string, make: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`)
  try {
    await make(tmp)
    await rename(tmp, file)
  } catch (error) {
    await rm(tmp, {force: true})
    throw error
  }
}

/**
 * DVC's `unprotect`: every file of an output that is a symlink or a hardlink shared with the cache becomes a
 * writable copy of its own, so a stage that keeps working on it (persist) cannot change a cache object.
 */
export async function unprotect(abs: string): Promise<void> {
  const st = await lstat(abs).catch(() => undefined)
  if (!st) return
  if (st.isDirectory()) {
    for (const name of await readdir(abs)) await unprotect(path.join(abs, name))
    return
  }
  if (!st.isSymbolicLink() && !(st.isFile() && st.nlink > 1)) return
  const target = await stat(abs).catch(() => undefined)
  if (!target?.isFile()) return
  await replaceWith(abs, async tmp => {
    await copyFile(abs, tmp)
    await chmod(tmp, (target.mode & 0o777) | 0o200)
  })
}
