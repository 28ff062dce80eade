/**
 * The DVC 3 cache layout: `<cache>/files/md5/<2 hex>/<30 hex>` holds a file's bytes and
 * `<cache>/files/md5/<2>/<30>.dir` a directory's JSON listing; every object is read-only. Real DVC finds
 * outputs that sentiops cached here "in cache", so it does not re-run their stages.
 */
import {randomBytes} from 'node:crypto'
import {constants} from 'node:fs'
import {access, chmod, copyFile, mkdir, readFile, rename, rm, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {crashPoint} from '../fs/crash-point.js'
import type {DirDigest} from './hash.js'

export class DvcCache {
  constructor(readonly dir: string) {}

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

  /** Copies a file into the cache (a reflink where the filesystem supports it) unless the object exists. */
  async addFile(source: string, md5: string): Promise<void> {
    const target = this.objectPath(md5)
    if (await this.has(md5)) return
    await this.place(target, tmp => copyFile(source, tmp, constants.COPYFILE_FICLONE))
  }

  /** Stores every file of a directory and then its `.dir` listing. */
  async addDir(digest: DirDigest): Promise<void> {
    for (const entry of digest.entries) await this.addFile(entry.abs, entry.md5)
    const target = this.objectPath(digest.md5)
    if (!(await this.has(digest.md5))) await this.place(target, tmp => writeFile(tmp, digest.listing))
  }

  /** Writes an object through a temp sibling, makes it read-only, then renames it into place. */
  private async place(target: string, write: (tmp: string) => Promise<void>): Promise<void> {
    await mkdir(path.dirname(target), {recursive: true})
    const tmp = `${target}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`
    try {
      await write(tmp)
      await chmod(tmp, 0o444)
      await rename(tmp, target)
    } catch (error) {
      await rm(tmp, {force: true})
      throw error
    }
    crashPoint(`cache ${target}`)
  }
}
