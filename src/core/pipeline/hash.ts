/**
 * DVC 3 hashes (`hash: md5`): a file is the MD5 of its raw bytes; a directory is the MD5 of the JSON listing
 * `[{"md5": ..., "relpath": ...}, ...]` (files only, sorted by code point, serialized like Python's
 * `json.dumps(sort_keys=True)`), with `.dir` appended.
 */
import {createHash} from 'node:crypto'
import {createReadStream, type BigIntStats} from 'node:fs'
import {lstat, readdir, readFile, stat} from 'node:fs/promises'
import path from 'node:path'
import {UserError} from '../errors.js'
import {DVCIGNORE, isAlwaysIgnored, type DvcIgnore} from './dvcignore.js'
import type {Md5State} from './md5-state.js'
import {compareCodePoints} from './pyvalue.js'

export interface FileDigest {
  type: 'file'
  md5: string
  size: number
  /** Any executable bit set (dvc.lock records `isexec: true`). */
  isexec: boolean
}

export interface DirEntryDigest {
  relpath: string
  md5: string
  size: number
  abs: string
}

export interface DirDigest {
  type: 'dir'
  /** With the `.dir` suffix. */
  md5: string
  size: number
  nfiles: number
  entries: DirEntryDigest[]
  /** The exact bytes hashed, which are also the `.dir` object stored in the cache. */
  listing: Buffer
}

export type PathDigest = FileDigest | DirDigest

export interface HasherOptions {
  /** Remembers md5s by (path, inode, size, mtime, ctime) across runs. */
  state?: Md5State
  /** `.dvcignore` rules of the repository the paths are in. */
  ignore?: DvcIgnore
  /** Files hashed at once inside a directory. */
  concurrency?: number
}

const STREAM_ABOVE = 16 * 1024 * 1024

export class Hasher {
  constructor(private readonly options: HasherOptions = {}) {}

  /** The digest of a file or directory, or undefined when nothing is there (a dangling symlink counts as missing). */
  async digest(abs: string): Promise<PathDigest | undefined> {
    let st: BigIntStats
    try {
      st = await stat(abs, {bigint: true})
    } catch (error) {
      if (['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) return undefined
      throw error
    }
    if (this.options.ignore && (await this.options.ignore.isIgnored(abs, st.isDirectory()))) {
      throw new UserError(`'${displayPath(this.options.ignore.root, abs)}' is ignored by .dvcignore; a pipeline cannot depend on it or produce it`)
    }
    if (st.isDirectory()) return this.digestDir(abs)
    if (!st.isFile()) throw new UserError(`'${abs}' is neither a file nor a directory`)
    return {type: 'file', md5: await this.fileMd5(abs, st), size: Number(st.size), isexec: (st.mode & 0o111n) !== 0n}
  }

  async digestDir(abs: string): Promise<DirDigest> {
    const files: Array<{relpath: string; abs: string}> = []
    await this.walk(abs, abs, '', files)
    files.sort((a, b) => compareCodePoints(a.relpath, b.relpath))
    const entries: DirEntryDigest[] = new Array(files.length)
    let next = 0
    const worker = async () => {
      while (next < files.length) {
        const i = next++
        const file = files[i]!
        const st = await stat(file.abs, {bigint: true})
        entries[i] = {relpath: file.relpath, abs: file.abs, md5: await this.fileMd5(file.abs, st), size: Number(st.size)}
      }
    }
    await Promise.all(Array.from({length: Math.min(this.options.concurrency ?? 4, files.length)}, worker))
    const listing = Buffer.from(dirListingJson(entries), 'utf8')
    return {
      type: 'dir',
      md5: `${createHash('md5').update(listing).digest('hex')}.dir`,
      size: entries.reduce((sum, e) => sum + e.size, 0),
      nfiles: entries.length,
      entries,
      listing,
    }
  }

  private async walk(top: string, dir: string, prefix: string, out: Array<{relpath: string; abs: string}>): Promise<void> {
    for (const dirent of await readdir(dir, {withFileTypes: true})) {
      const abs = path.join(dir, dirent.name)
      const relpath = prefix ? `${prefix}/${dirent.name}` : dirent.name
      let isDir = dirent.isDirectory()
      let isFile = dirent.isFile()
      if (dirent.isSymbolicLink()) {
        // Like os.walk: a link to a file is that file; a link to a folder is not followed.
        const target = await stat(abs).catch(() => undefined)
        if (!target) throw new UserError(`'${abs}' is a dangling symlink inside '${top}'`)
        isFile = target.isFile()
        isDir = false
        if (target.isDirectory()) continue
      }
      if (isAlwaysIgnored(dirent.name, isDir)) continue
      if (dirent.name === DVCIGNORE && isFile) {
        throw new UserError(`'${abs}': a ${DVCIGNORE} file may not be inside a tracked folder ('${top}'); move its patterns to a ${DVCIGNORE} above it`)
      }
      if (this.options.ignore && (await this.options.ignore.isIgnored(abs, isDir))) continue
      if (isDir) await this.walk(top, abs, relpath, out)
      else if (isFile) out.push({relpath, abs})
      else throw new UserError(`'${abs}' inside '${top}' is not a regular file (socket, FIFO or device)`)
    }
  }

  private async fileMd5(abs: string, st: BigIntStats): Promise<string> {
    const known = this.options.state?.get(abs, st)
    if (known) return known
    const md5 = await md5OfFile(abs, Number(st.size))
    this.options.state?.set(abs, st, md5)
    return md5
  }
}

async function md5OfFile(abs: string, size: number): Promise<string> {
  if (size <= STREAM_ABOVE) return createHash('md5').update(await readFile(abs)).digest('hex')
  const hash = createHash('md5')
  for await (const chunk of createReadStream(abs, {highWaterMark: 1024 * 1024})) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** MD5 and size of a file's bytes (DVC 3 `hash: md5`). */
export async function hashFile(file: string): Promise<{md5: string; size: number}> {
  const st = await lstat(file)
  if (!st.isFile() && !st.isSymbolicLink()) throw new UserError(`'${file}' is not a file`)
  const digest = await new Hasher().digest(file)
  if (!digest || digest.type !== 'file') throw new UserError(`'${file}' is not a file`)
  return {md5: digest.md5, size: digest.size}
}

/** DVC 3 `.dir` hash of a directory, with its total size and number of files. */
export async function hashDir(dir: string, options: HasherOptions = {}): Promise<{md5: string; size: number; nfiles: number}> {
  const digest = await new Hasher(options).digestDir(dir)
  return {md5: digest.md5, size: digest.size, nfiles: digest.nfiles}
}

/** The `.dir` listing exactly as Python's `json.dumps(list, sort_keys=True)` writes it (ASCII-only escapes). */
export function dirListingJson(entries: ReadonlyArray<{md5: string; relpath: string}>): string {
  return `[${entries.map(e => `{"md5": ${pythonJsonString(e.md5)}, "relpath": ${pythonJsonString(e.relpath)}}`).join(', ')}]`
}

const JSON_ESCAPES: Record<string, string> = {'"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f'}

/** A JSON string literal with every character outside space..tilde escaped as \uXXXX (lowercase hex). */
export function pythonJsonString(text: string): string {
  let out = '"'
  for (const ch of text) {
    const code = ch.codePointAt(0)!
    if (JSON_ESCAPES[ch]) out += JSON_ESCAPES[ch]
    else if (code >= 0x20 && code <= 0x7e) out += ch
    else if (code > 0xffff) {
      const v = code - 0x10000
      out += `\\u${hex4(0xd800 | (v >> 10))}\\u${hex4(0xdc00 | (v & 0x3ff))}`
    } else out += `\\u${hex4(code)}`
  }
  return `${out}"`
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0')
}

function displayPath(root: string, abs: string): string {
  const rel = path.relative(root, abs)
  return rel && !rel.startsWith('..') ? rel.split(path.sep).join('/') : abs
}
