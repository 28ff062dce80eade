/**
 * Crash-safe publishing of files and directories: whatever moment a process is killed (even SIGKILL), a reader
 * finds the previous or the new version of a path, never a torn one.
 *
 * Names used next to a published path `x` (same directory, so every rename stays on one filesystem):
 * - `.x.tmp-<pid>-<hex>`: being written, or garbage being deleted. Never read; removed once its writer is gone.
 * - `.x.old-<pid>-<hex>`: the previous version, moved aside while the new one is put in place (Linux cannot
 *   rename a directory over a non-empty one) or while a pipeline stage rebuilds `x`. When `x` itself is missing
 *   this is the version readers use (`readablePath`) and the one the next writer or `repro` puts back.
 * Files are synced before they are published, so the claim also holds across a power loss on journaling
 * filesystems; a kill alone never loses what was written, synced or not.
 */
import {randomBytes} from 'node:crypto'
import {existsSync} from 'node:fs'
import {lstat, mkdir, open, readdir, readFile, rename, rm, unlink, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {crashPoint} from './crash-point.js'
import {isProcessAlive} from './process.js'

type SiblingKind = 'tmp' | 'old'

/** A fresh name next to `target` for a version being written (`tmp`) or a previous version (`old`). */
export function siblingPath(target: string, kind: SiblingKind): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${kind}-${process.pid}-${randomBytes(4).toString('hex')}`)
}

interface Sibling {
  path: string
  kind: SiblingKind
  pid: number
}

/** `.x.tmp-…`/`.x.old-…` entries next to `target`; `.x.tmp-<pid>-<hex>.old` is how older sentiops versions named an old one. */
async function siblings(target: string): Promise<Sibling[]> {
  const dir = path.dirname(target)
  const prefix = `.${path.basename(target)}.`
  let names: string[]
  try {
    names = await readdir(dir)
  } catch {
    return []
  }
  const out: Sibling[] = []
  for (const name of names) {
    if (!name.startsWith(prefix)) continue
    const m = /^(tmp|old)-(\d+)-[0-9a-f]+(\.old)?$/.exec(name.slice(prefix.length))
    if (m) out.push({path: path.join(dir, name), kind: m[3] ? 'old' : (m[1] as SiblingKind), pid: Number(m[2])})
  }
  return out
}

/** Newest first (a rename sets the ctime, so the last version moved aside comes first). */
async function byNewest(paths: string[]): Promise<string[]> {
  const stamped: Array<{p: string; t: number}> = []
  for (const p of paths) {
    const s = await lstat(p).catch(() => undefined)
    if (s) stamped.push({p, t: s.ctimeMs})
  }
  return stamped.sort((a, b) => b.t - a.t).map(s => s.p)
}

/**
 * The path to read for `target`: itself when it exists, else the newest previous version a writer (or a running
 * or killed `repro`) moved aside, else `target` (so the caller reports it missing). Never changes anything.
 */
export async function readablePath(target: string): Promise<string> {
  if (existsSync(target)) return target
  const olds = (await siblings(target)).filter(s => s.kind === 'old').map(s => s.path)
  return (await byNewest(olds))[0] ?? target
}

/**
 * Finishes what a killed writer of `target` left: when `target` is missing, its newest previous version is put
 * back; every other leftover of a process that is gone is removed. Live writers' entries are left alone.
 */
export async function recoverPath(target: string): Promise<void> {
  const dead = (await siblings(target)).filter(s => s.pid !== process.pid && !isProcessAlive(s.pid))
  if (dead.length === 0) return
  let leftovers = dead.map(s => s.path)
  if (!existsSync(target)) {
    const [newest] = await byNewest(dead.filter(s => s.kind === 'old').map(s => s.path))
    if (newest) {
      await rename(newest, target)
      crashPoint(`restore ${target}`)
      leftovers = leftovers.filter(p => p !== newest)
    }
  }
  for (const p of leftovers) await rm(p, {recursive: true, force: true})
}

/** Deletes `p` (a published path or a version next to `target`): renamed to a temp name first, so it is never seen half deleted. */
export async function discardPath(p: string, target = p): Promise<void> {
  const trash = siblingPath(target, 'tmp')
  try {
    await rename(p, trash)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    throw error
  }
  crashPoint(`discard ${p}`)
  await rm(trash, {recursive: true, force: true})
}

/** Bytes to write: a string, a buffer, or buffers written one after the other (no joined copy in memory). */
export type FileData = string | Uint8Array | readonly Uint8Array[]

async function writeSynced(file: string, data: FileData): Promise<void> {
  const fh = await open(file, 'w')
  try {
    if (typeof data === 'string' || data instanceof Uint8Array) await fh.writeFile(data)
    else for (const part of data) await fh.writeFile(part)
    await fh.sync()
  } finally {
    await fh.close()
  }
}

/** Writes a file through a temp sibling + fsync + rename, so readers never see half a file. */
export async function writeFileAtomic(target: string, data: FileData): Promise<void> {
  await mkdir(path.dirname(target), {recursive: true})
  const tmp = siblingPath(target, 'tmp')
  try {
    await writeSynced(tmp, data)
    crashPoint(`write ${tmp}`)
    await rename(tmp, target)
  } catch (error) {
    await rm(tmp, {force: true})
    throw error
  }
  crashPoint(`publish ${target}`)
}

export async function writeJsonAtomic(target: string, value: unknown): Promise<void> {
  await writeFileAtomic(target, JSON.stringify(value, null, 2) + '\n')
}

/** fsyncs every file and directory under `dir` (so a published tree survives a power loss, not only a kill). */
async function syncTree(dir: string): Promise<void> {
  for (const entry of await readdir(dir, {withFileTypes: true})) {
    const p = path.join(dir, entry.name)
    if (entry.isDirectory()) await syncTree(p)
    else if (entry.isFile()) await syncPath(p)
  }
  await syncPath(dir)
}

async function syncPath(p: string): Promise<void> {
  const fh = await open(p, 'r')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}

/**
 * Builds a directory in a temp sibling and swaps it into place. `fill` writes the contents. The previous
 * directory is moved aside (not deleted) before the new one is renamed in, and deleted only after; a kill between
 * the two renames leaves `.x.old-…`, which readers use (`readablePath`) and the next writer puts back first.
 */
export async function writeDirAtomic(target: string, fill: (dir: string) => Promise<void>): Promise<void> {
  await mkdir(path.dirname(target), {recursive: true})
  await recoverPath(target)
  const tmp = siblingPath(target, 'tmp')
  await mkdir(tmp)
  try {
    await fill(tmp)
    await syncTree(tmp)
  } catch (error) {
    await rm(tmp, {recursive: true, force: true})
    throw error
  }
  crashPoint(`write ${tmp}`)
  const old = siblingPath(target, 'old')
  let movedAside = false
  try {
    await rename(target, old)
    movedAside = true
    crashPoint(`aside ${target}`)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      await rm(tmp, {recursive: true, force: true})
      throw error
    }
  }
  try {
    await rename(tmp, target)
  } catch (error) {
    if (movedAside) await rename(old, target)
    await rm(tmp, {recursive: true, force: true})
    throw error
  }
  crashPoint(`publish ${target}`)
  if (movedAside) await discardPath(old, target)
}

export async function writeTextFileInDir(dir: string, name: string, data: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(path.join(dir, name)), {recursive: true})
  await writeFile(path.join(dir, name), data)
}

// ---- Several files as one commit (a pair of splits must never mix two runs) ----

const COMMIT_RECORD = /^\.sentiops-commit-(\d+)-[0-9a-f]+\.json$/

interface CommitRecord {
  pid: number
  /** [temp, target] pairs, relative to the record's directory. */
  renames: Array<[string, string]>
}

/**
 * Replaces several files so that readers see all the old or all the new ones. Every new file is written and
 * synced next to its target; a commit record listing the renames is then published in the first target's
 * directory; the renames follow and the record is deleted. A kill before the record exists keeps the old set;
 * after it, `settleCommits` (called by readers and the next writer) finishes the renames.
 */
export async function writeFilesAtomic(files: Array<{target: string; data: string | Uint8Array}>): Promise<void> {
  if (files.length === 0) return
  const dir = path.dirname(files[0]!.target)
  await settleCommits(dir)
  const staged: Array<{tmp: string; target: string}> = []
  try {
    for (const {target, data} of files) {
      await mkdir(path.dirname(target), {recursive: true})
      await recoverPath(target)
      const tmp = siblingPath(target, 'tmp')
      staged.push({tmp, target})
      await writeSynced(tmp, data)
      crashPoint(`write ${tmp}`)
    }
  } catch (error) {
    for (const {tmp} of staged) await rm(tmp, {force: true})
    throw error
  }
  const record = path.join(dir, `.sentiops-commit-${process.pid}-${randomBytes(4).toString('hex')}.json`)
  const body: CommitRecord = {pid: process.pid, renames: staged.map(s => [path.relative(dir, s.tmp), path.relative(dir, s.target)])}
  await writeFileAtomic(record, JSON.stringify(body))
  await applyCommit(dir, record, body)
}

async function applyCommit(dir: string, record: string, body: CommitRecord): Promise<void> {
  for (const [tmp, target] of body.renames) {
    try {
      await rename(path.join(dir, tmp), path.join(dir, target))
      crashPoint(`commit ${target}`)
    } catch (error) {
      // Renamed before a kill: this step is done.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
  }
  await unlink(record).catch(() => undefined)
  crashPoint(`committed ${record}`)
}

/**
 * Finishes commits of `writeFilesAtomic` in `dir` whose writer was killed; waits (up to ~5 s) for one whose
 * writer is still running, which takes milliseconds.
 */
export async function settleCommits(dir: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    let names: string[]
    try {
      names = (await readdir(dir)).filter(name => COMMIT_RECORD.test(name))
    } catch {
      return
    }
    let pending = false
    for (const name of names) {
      const record = path.join(dir, name)
      let body: CommitRecord
      try {
        body = JSON.parse(await readFile(record, 'utf8')) as CommitRecord
      } catch {
        continue // finished and deleted meanwhile
      }
      if (body.pid !== process.pid && isProcessAlive(body.pid) && attempt < 250) pending = true
      else await applyCommit(dir, record, body)
    }
    if (!pending) return
    await sleep(20)
  }
}
