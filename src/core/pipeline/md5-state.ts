import type {BigIntStats} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {writeFileAtomic} from '../fs/atomic.js'

interface Entry {
  ino: string
  size: string
  mtimeNs: string
  ctimeNs: string
  md5: string
  /** When the md5 was computed (ns since the epoch). */
  checkedNs: string
}

/**
 * A stat-keyed cache of file md5s, like DVC's state database: a file whose inode, size, mtime and ctime are
 * unchanged is not read again. An md5 computed less than RACY_NS after the file's last change is not trusted
 * later (a write within the same timestamp tick would be invisible), so such files are hashed once more.
 */
export class Md5State {
  static readonly RACY_NS = 2_000_000_000n
  private static readonly MAX_ENTRIES = 200_000
  private dirty = false
  private readonly touched = new Set<string>()
  /** md5s computed by this process: trusted without the racy-write margin while the file's stat is unchanged. */
  private readonly session = new Map<string, {stamp: string; md5: string}>()

  private constructor(private readonly file: string, private readonly entries: Map<string, Entry>) {}

  /** Loads the state file; a missing or unreadable file starts empty. */
  static async open(file: string): Promise<Md5State> {
    let entries = new Map<string, Entry>()
    try {
      const data = JSON.parse(await readFile(file, 'utf8')) as {version?: number; entries?: Record<string, Entry>}
      if (data.version === 1 && data.entries && typeof data.entries === 'object') entries = new Map(Object.entries(data.entries))
    } catch {
      // A corrupt or missing state only costs re-hashing.
    }
    return new Md5State(file, entries)
  }

  get(abs: string, st: BigIntStats): string | undefined {
    const mine = this.session.get(abs)
    if (mine && mine.stamp === stamp(st)) return mine.md5
    const entry = this.entries.get(abs)
    if (!entry) return undefined
    const unchanged = entry.ino === String(st.ino) && entry.size === String(st.size) && entry.mtimeNs === String(st.mtimeNs) && entry.ctimeNs === String(st.ctimeNs)
    if (!unchanged || BigInt(entry.checkedNs) - st.mtimeNs < Md5State.RACY_NS) return undefined
    this.touched.add(abs)
    return entry.md5
  }

  set(abs: string, st: BigIntStats, md5: string): void {
    this.entries.set(abs, {
      ino: String(st.ino),
      size: String(st.size),
      mtimeNs: String(st.mtimeNs),
      ctimeNs: String(st.ctimeNs),
      md5,
      checkedNs: String(BigInt(Date.now()) * 1_000_000n),
    })
    this.session.set(abs, {stamp: stamp(st), md5})
    this.touched.add(abs)
    this.dirty = true
  }

  async save(): Promise<void> {
    if (!this.dirty) return
    let kept = [...this.entries]
    if (kept.length > Md5State.MAX_ENTRIES) {
      // Keep what this run used, then the most recently checked.
      kept = kept.sort(([a, ea], [b, eb]) => Number(this.touched.has(b)) - Number(this.touched.has(a)) || (BigInt(eb.checkedNs) > BigInt(ea.checkedNs) ? 1 : -1))
      kept = kept.slice(0, Md5State.MAX_ENTRIES)
    }
    await writeFileAtomic(this.file, JSON.stringify({version: 1, entries: Object.fromEntries(kept)}))
    this.dirty = false
  }
}

function stamp(st: BigIntStats): string {
  return `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`
}
