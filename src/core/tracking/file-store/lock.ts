/**
 * A writer lock for one file store: an exclusively created lock file (O_EXCL) holding the owner's pid, host and
 * time. MLflow itself does not lock (spec §4.8); sentiops serializes its own read-modify-write steps (experiment
 * creation, version numbering, stage transitions, meta rewrites) so concurrent processes cannot interleave them.
 * A lock left by a crashed process is broken when its pid is gone (same host) or it is older than `staleMs`.
 */
import {hostname} from 'node:os'
import {link, readFile, rename, stat, unlink, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {UserError} from '../../errors.js'
import {crashPoint} from '../../fs/crash-point.js'
import {isProcessAlive} from '../../fs/process.js'
import {stage, unstage} from './writer.js'

export interface LockOptions {
  /** Give up after this long (default 30 s). */
  timeoutMs?: number
  /** A lock older than this is considered abandoned (default 60 s; critical sections take milliseconds). */
  staleMs?: number
}

interface LockOwner {
  pid: number
  host: string
  time: number
}

export async function withFileLock<T>(lockFile: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  await acquire(lockFile, options)
  try {
    return await fn()
  } finally {
    await unlink(lockFile).catch(() => undefined)
  }
}

async function acquire(lockFile: string, options: LockOptions): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000
  const staleMs = options.staleMs ?? 60_000
  const deadline = Date.now() + timeoutMs
  const me: LockOwner = {pid: process.pid, host: hostname(), time: Date.now()}
  for (let attempt = 0; ; attempt++) {
    // The owner is written first and linked into place, so the lock never exists without it (a kill between
    // creating and filling it would leave a lock that only ageing could break).
    const root = path.dirname(lockFile)
    const staged = await stage(root, tmp => writeFile(tmp, JSON.stringify({...me, time: Date.now()}), {flag: 'wx'}))
    try {
      await link(staged, lockFile)
      crashPoint(`lock ${lockFile}`)
      return
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    } finally {
      await unstage(root, staged)
    }
    const owner = await readOwner(lockFile)
    if (owner && (await isAbandoned(lockFile, owner.parsed, staleMs))) {
      await breakLock(lockFile, owner.raw)
      continue
    }
    if (Date.now() > deadline) {
      const who = owner?.parsed ? ` by pid ${owner.parsed.pid} on ${owner.parsed.host}` : ''
      throw new UserError(`the tracking store is locked${who} (${lockFile}); if no sentiops process is running, delete that file`)
    }
    await sleep(Math.min(200, 5 * 2 ** Math.min(attempt, 5)) + Math.random() * 10)
  }
}

async function readOwner(lockFile: string): Promise<{raw: string; parsed?: LockOwner} | undefined> {
  try {
    const raw = await readFile(lockFile, 'utf8')
    try {
      return {raw, parsed: JSON.parse(raw) as LockOwner}
    } catch {
      // Being written right now, or garbage: judged by age alone.
      return {raw}
    }
  } catch {
    return undefined
  }
}

async function isAbandoned(lockFile: string, owner: LockOwner | undefined, staleMs: number): Promise<boolean> {
  if (owner && owner.host === hostname() && !isProcessAlive(owner.pid)) return true
  try {
    const s = await stat(lockFile)
    return Date.now() - s.mtimeMs > staleMs
  } catch {
    return false
  }
}

/**
 * Moves the abandoned lock aside (rename is atomic: one breaker wins). If what was moved is not the lock that was
 * judged abandoned (another process took the lock in between), it is put back.
 */
async function breakLock(lockFile: string, judged: string): Promise<void> {
  const aside = `${lockFile}.broken-${process.pid}-${Date.now()}`
  try {
    await rename(lockFile, aside)
  } catch {
    return
  }
  try {
    const moved = await readFile(aside, 'utf8')
    if (moved !== judged) await link(aside, lockFile).catch(() => undefined)
  } finally {
    await unlink(aside).catch(() => undefined)
  }
}
