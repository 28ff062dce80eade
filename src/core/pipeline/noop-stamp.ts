/**
 * The fast no-op check of `repro`. After a full check found every selected stage up to date, the stat (device,
 * inode, size, mtime, ctime) of every file that check depended on is saved: dvc.yaml, params files, dvc.lock,
 * .dvc/config, .dvcignore files, each dep and out (every file and folder inside a directory) and the cache
 * objects of cached outs. The next `repro` with the same targets and overrides whose files all stat the same
 * skips parsing and hashing. Like DVC's state database, a file changed less than RACY_NS before the check
 * started is not trusted (a later write within the same timestamp tick would be invisible), so no stamp is
 * written then; ctime, which no one can set back, catches an edit whose mtime was restored. Any doubt (a
 * missing or unreadable stamp, `vars` in dvc.yaml, a backup left by an interrupted run, a running repro) means
 * the full check.
 */
import {existsSync, readdirSync, readFileSync, statSync, type BigIntStats} from 'node:fs'
import {rm} from 'node:fs/promises'
import path from 'node:path'
import {writeFileAtomic} from '../fs/atomic.js'
import {DVC_DIR} from './dvc-config.js'

export const STAMP_FILE = path.join(DVC_DIR, 'tmp', 'sentiops', 'repro-stamp.json')
export const RACY_NS = 2_000_000_000n
const VERSION = 1
/** Beyond this many files the stat walk costs about what the full (stat-cached) check does. */
const MAX_FILES = 20_000

interface StampData {
  version: number
  key: string
  stages: string[]
  /** Absolute path → `dev:ino:size:mtimeNs:ctimeNs`, or null for a path that must stay missing. */
  files: Record<string, string | null>
  /** What the caller asked to keep with the stamp (values derived from the stamped files). */
  extra?: unknown
}

/** What makes two runs comparable: the repository, the selection and the param overrides (in order). */
export function stampKey(root: string, options: {targets?: string[]; downstream?: boolean; overrides: readonly string[]}): string {
  return JSON.stringify([root, options.targets ?? null, Boolean(options.downstream), options.overrides])
}

/** The stage names (in order) and the caller's extra when the last full check's stamp still holds. */
export function checkStamp(root: string, key: string): {stages: string[]; extra?: unknown} | undefined {
  let data: StampData
  try {
    data = JSON.parse(readFileSync(path.join(root, STAMP_FILE), 'utf8')) as StampData
  } catch {
    return undefined
  }
  if (data?.version !== VERSION || data.key !== key || !Array.isArray(data.stages) || typeof data.files !== 'object' || data.files === null) return undefined
  if (existsSync(path.join(root, DVC_DIR, 'tmp', 'sentiops-repro.lock')) || hasBackups(root)) return undefined
  for (const [file, recorded] of Object.entries(data.files)) {
    if (statStamp(file) !== recorded) return undefined
  }
  return {stages: data.stages, extra: data.extra}
}

function hasBackups(root: string): boolean {
  try {
    return readdirSync(path.join(root, DVC_DIR, 'tmp', 'sentiops')).some(name => name.startsWith('backup-'))
  } catch {
    return false
  }
}

/**
 * Saves the stamp for `paths` (folders are walked), or removes any old one when a file changed within RACY_NS
 * of `checkStartedNs` (the wall clock, in ns, before the full check began) or there are too many files.
 */
export async function writeStamp(
  root: string,
  key: string,
  stamp: {stages: string[]; extra?: unknown},
  paths: Iterable<string>,
  checkStartedNs: bigint,
  racyNs = RACY_NS,
): Promise<boolean> {
  const files: Record<string, string | null> = {}
  const limit = checkStartedNs - racyNs
  let count = 0
  const add = (file: string): boolean => {
    if (file in files) return true
    if (++count > MAX_FILES) return false
    let st: BigIntStats | undefined
    try {
      st = statSync(file, {bigint: true, throwIfNoEntry: false})
    } catch {
      return false
    }
    if (!st) {
      files[file] = null
      return true
    }
    if (st.mtimeNs >= limit || st.ctimeNs >= limit) return false
    files[file] = stampOf(st)
    if (!st.isDirectory()) return true
    for (const name of readdirSync(file)) if (!add(path.join(file, name))) return false
    return true
  }
  for (const file of paths) {
    if (!add(file)) {
      await clearStamp(root)
      return false
    }
  }
  await writeFileAtomic(path.join(root, STAMP_FILE), JSON.stringify({version: VERSION, key, stages: stamp.stages, files, extra: stamp.extra} satisfies StampData))
  return true
}

export async function clearStamp(root: string): Promise<void> {
  await rm(path.join(root, STAMP_FILE), {force: true})
}

function statStamp(file: string): string | null {
  try {
    const st = statSync(file, {bigint: true, throwIfNoEntry: false})
    return st ? stampOf(st) : null
  } catch {
    return 'unreadable'
  }
}

function stampOf(st: BigIntStats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`
}
