/**
 * dvc.lock, schema 2.0, read and written as DVC 3 does: `schema: '2.0'`, then `stages` in insertion order; each
 * entry `cmd`, `deps` (sorted by path), `params` (params.yaml first, other files A→Z, keys A→Z), `outs`
 * (outs, metrics and plots together, sorted by path); each path entry `path`, `hash: md5`, `md5`, `size`,
 * `nfiles`, `isexec`. Only the entry of the stage that ran is replaced; an unchanged entry is not rewritten.
 */
import {readFile, stat} from 'node:fs/promises'
import path from 'node:path'
import {ConfigError} from '../errors.js'
import {writeFileAtomic} from '../fs/atomic.js'
import type {PathDigest} from './hash.js'
import {compareCodePoints, isPyMap, parseDocument, pyEquals, type PyMap, type PyScalar, type PyValue} from './pyvalue.js'
import {dumpYaml} from './yaml-emit.js'

export const LOCK_FILE = 'dvc.lock'
const SCHEMA_VERSION = '2.0'

/** A dep or out as dvc.lock records it. */
export interface LockedPath {
  path: string
  /** `md5` for DVC 3 hashes; undefined for a DVC 2 entry (legacy md5-dos2unix), which is re-hashed. */
  hash?: string
  md5?: string
  size?: number
  nfiles?: number
  isexec?: boolean
}

export interface LockEntry {
  cmd: PyValue
  deps: LockedPath[]
  /** Params file (as written in dvc.yaml) → key → value. */
  params: Map<string, PyMap>
  outs: LockedPath[]
}

/**
 * dvc.lock read once and kept in memory: `put` replaces an entry and writes the file. If the file changed on
 * disk since it was read or written here, it is read again first, so an entry written by someone else is kept.
 */
export class Lockfile {
  private constructor(readonly file: string, private stages: PyMap, private diskStamp: string | undefined) {}

  static async read(root: string): Promise<Lockfile> {
    const file = path.join(root, LOCK_FILE)
    const before = await fileStamp(file)
    return new Lockfile(file, await readStages(file), before)
  }

  /**
   * Replaces one stage's entry (an existing stage keeps its place, a new one is appended) and writes the file
   * atomically. An entry equal to the recorded one leaves the file untouched.
   */
  async put(name: string, entry: PyMap): Promise<'created' | 'updated' | 'unchanged'> {
    const now = await fileStamp(this.file)
    if (now === undefined || now !== this.diskStamp) {
      this.stages = await readStages(this.file)
      this.diskStamp = now
    }
    const existing = this.stages.get(name)
    if (existing !== undefined && pyEquals(existing, entry)) return 'unchanged'
    const isNew = this.stages.size === 0
    this.stages.set(name, entry)
    await writeFileAtomic(this.file, renderLock(this.stages))
    this.diskStamp = await fileStamp(this.file)
    return isNew ? 'created' : 'updated'
  }

  has(name: string): boolean {
    return this.stages.has(name)
  }

  entry(name: string): LockEntry | undefined {
    const raw = this.stages.get(name)
    if (raw === undefined) return undefined
    return parseEntry(raw, `${LOCK_FILE}: stages.${name}`)
  }
}

/** Identity of the file's current contents (undefined when missing): inode, size, mtime and ctime. */
async function fileStamp(file: string): Promise<string | undefined> {
  try {
    const st = await stat(file, {bigint: true})
    return `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

async function readStages(file: string): Promise<PyMap> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map()
    throw error
  }
  const data = parseDocument(text, LOCK_FILE).value
  if (!isPyMap(data)) throw new ConfigError(`${LOCK_FILE}: expected a mapping at the top level`)
  if (!data.has('schema')) return data // DVC 1.x lock: stages at the top level
  const schema = data.get('schema')
  if (schema !== SCHEMA_VERSION) {
    throw new ConfigError(`${LOCK_FILE}: schema ${JSON.stringify(schema)} is not supported (sentiops reads and writes '${SCHEMA_VERSION}', as DVC 3 does)`)
  }
  const stages = data.get('stages') ?? new Map()
  if (!isPyMap(stages)) throw new ConfigError(`${LOCK_FILE}: stages must be a mapping of stage name to entry`)
  return stages
}

function parseEntry(raw: PyValue, where: string): LockEntry {
  if (!isPyMap(raw)) throw new ConfigError(`${where}: expected a mapping`)
  const params = new Map<string, PyMap>()
  const rawParams = raw.get('params')
  if (rawParams !== undefined && rawParams !== null) {
    if (!isPyMap(rawParams)) throw new ConfigError(`${where}.params: expected a mapping of params file to values`)
    for (const [file, values] of rawParams) {
      if (!isPyMap(values)) throw new ConfigError(`${where}.params.${String(file)}: expected a mapping of key to value`)
      params.set(String(file), values)
    }
  }
  return {cmd: raw.get('cmd') ?? null, deps: parsePaths(raw.get('deps'), `${where}.deps`), params, outs: parsePaths(raw.get('outs'), `${where}.outs`)}
}

function parsePaths(value: PyValue | undefined, where: string): LockedPath[] {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value)) throw new ConfigError(`${where}: expected a list`)
  return value.map((item, i) => {
    if (!isPyMap(item) || typeof item.get('path') !== 'string') throw new ConfigError(`${where}[${i}]: expected an entry with a path`)
    const num = (key: string) => {
      const v = item.get(key)
      return typeof v === 'bigint' || typeof v === 'number' ? Number(v) : undefined
    }
    const text = (key: string) => {
      const v = item.get(key)
      return typeof v === 'string' ? v : undefined
    }
    return {
      path: item.get('path') as string,
      ...(text('hash') === undefined ? {} : {hash: text('hash')}),
      ...(text('md5') === undefined ? {} : {md5: text('md5')}),
      ...(num('size') === undefined ? {} : {size: num('size')}),
      ...(num('nfiles') === undefined ? {} : {nfiles: num('nfiles')}),
      ...(item.get('isexec') === true ? {isexec: true} : {}),
    }
  })
}

export interface LockEntryInput {
  cmd: string | string[]
  deps: Array<{path: string; digest: PathDigest}>
  params: Array<{file: string; values: PyMap}>
  outs: Array<{path: string; digest: PathDigest}>
}

/** A lock entry in DVC's key order and sort order, ready to dump. */
export function buildLockEntry(input: LockEntryInput): PyMap {
  const entry: PyMap = new Map<PyScalar, PyValue>([['cmd', input.cmd]])
  const paths = (items: LockEntryInput['deps']) => [...items].sort((a, b) => compareCodePoints(a.path, b.path)).map(item => lockedPath(item.path, item.digest))
  if (input.deps.length > 0) entry.set('deps', paths(input.deps))
  if (input.params.length > 0) {
    const files = [...input.params].sort((a, b) => rankParamsFile(a.file, b.file))
    entry.set('params', new Map(files.map(({file, values}) => [file, sortedByKey(values)])))
  }
  if (input.outs.length > 0) entry.set('outs', paths(input.outs))
  return entry
}

function rankParamsFile(a: string, b: string): number {
  if (a === 'params.yaml' || b === 'params.yaml') return a === b ? 0 : a === 'params.yaml' ? -1 : 1
  return compareCodePoints(a, b)
}

function sortedByKey(values: PyMap): PyMap {
  return new Map([...values].sort(([a], [b]) => compareCodePoints(keyText(a), keyText(b))))
}

function keyText(key: PyScalar): string {
  return typeof key === 'string' ? key : String(key)
}

function lockedPath(p: string, digest: PathDigest): PyMap {
  const entry: PyMap = new Map<PyScalar, PyValue>([['path', p], ['hash', 'md5'], ['md5', digest.md5], ['size', BigInt(digest.size)]])
  if (digest.type === 'dir') entry.set('nfiles', BigInt(digest.nfiles))
  if (digest.type === 'file' && digest.isexec) entry.set('isexec', true)
  return entry
}

/** The whole dvc.lock text for a stages mapping. */
export function renderLock(stages: PyMap): string {
  return dumpYaml(new Map<PyScalar, PyValue>([['schema', SCHEMA_VERSION], ['stages', stages]]))
}

/** Replaces one stage's entry in dvc.lock (`Lockfile.put`). */
export async function writeLockEntry(root: string, name: string, entry: PyMap): Promise<'created' | 'updated' | 'unchanged'> {
  return (await Lockfile.read(root)).put(name, entry)
}
