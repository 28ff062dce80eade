import type {Prediction} from '../core/bundle/types.js'
import {SIGNAL_NAMES, type SignalName, type TrainingProfile, signalValues} from '../core/monitor/profile.js'
import {binOf, psi} from '../core/monitor/psi.js'

interface SignalTrack {
  readonly name: SignalName
  readonly edges: Float64Array
  readonly shares: Float64Array
  /** Texts of the window per bin. */
  readonly counts: Float64Array
  /** Bin of each text in the window, by ring slot. */
  readonly ring: Uint16Array
}

/**
 * The last `size` classified texts, kept as what the drift metrics need of them: per signal the bin of each
 * text and the running count per bin, the predicted class, and the word and unknown-word counts. Adding a
 * text is O(1) time and no allocation beyond the signal values: the text evicted from the ring is subtracted
 * from the counts, so PSI, shares and the OOV share are computed from counts when asked (at a scrape), never
 * from stored texts.
 */
export class DriftWindow {
  private readonly tracks: SignalTrack[]
  private readonly classCounts: Float64Array
  private readonly classRing: Uint16Array
  private readonly tokenRing: Uint32Array
  private readonly unknownRing: Uint32Array
  private tokenSum = 0
  private unknownSum = 0
  private filled = 0
  private next = 0

  constructor(
    readonly profile: TrainingProfile,
    readonly classNames: readonly string[],
    readonly size: number,
  ) {
    if (!(Number.isInteger(size) && size > 0)) throw new RangeError(`drift window size must be a positive integer, got ${size}`)
    this.tracks = SIGNAL_NAMES.map(name => {
      const {edges, shares} = profile.signals[name]
      if (shares.length !== edges.length + 1) throw new RangeError(`profile signal ${name}: ${edges.length} edges but ${shares.length} shares`)
      return {name, edges: Float64Array.from(edges), shares: Float64Array.from(shares), counts: new Float64Array(shares.length), ring: new Uint16Array(size)}
    })
    this.classCounts = new Float64Array(classNames.length)
    this.classRing = new Uint16Array(size)
    this.tokenRing = new Uint32Array(size)
    this.unknownRing = new Uint32Array(size)
  }

  /** Texts in the window (up to size). */
  get texts(): number {
    return this.filled
  }

  /** One classified text: `tokens` words after preprocessing, `unknown` of them in no vocabulary term. */
  add(text: string, tokens: number, unknown: number, prediction: Prediction): void {
    const values = signalValues(text, tokens, unknown, prediction, this.classNames)
    const slot = this.next
    const evict = this.filled === this.size
    for (const track of this.tracks) {
      const bin = binOf(track.edges, values[track.name])
      if (evict) track.counts[track.ring[slot]!]!--
      track.ring[slot] = bin
      track.counts[bin]!++
    }
    // A label outside classNames cannot come from the bundle; it would count in no class.
    const cls = this.classNames.indexOf(prediction.label)
    if (evict) {
      this.classCounts[this.classRing[slot]!]!--
      this.tokenSum -= this.tokenRing[slot]!
      this.unknownSum -= this.unknownRing[slot]!
    }
    this.classRing[slot] = cls
    this.classCounts[cls]!++
    this.tokenRing[slot] = tokens
    this.unknownRing[slot] = unknown
    this.tokenSum += tokens
    this.unknownSum += unknown
    this.next = slot + 1 === this.size ? 0 : slot + 1
    if (!evict) this.filled++
  }

  /** PSI of the window against the profile for one signal; NaN while the window is empty. */
  psi(name: SignalName): number {
    const track = this.track(name)
    return psi(track.shares, track.counts)
  }

  /** Texts of the window per bin of `name` (the profile's bins). */
  binCounts(name: SignalName): number[] {
    return [...this.track(name).counts]
  }

  /** Unknown words / words over the window (0 when it holds no word, as the profile counts it). */
  oovShare(): number {
    return this.tokenSum > 0 ? this.unknownSum / this.tokenSum : 0
  }

  /** Predicted class → share of the window's texts (NaN while it is empty). */
  classShares(): Record<string, number> {
    const shares: Record<string, number> = {}
    this.classNames.forEach((name, c) => (shares[name] = this.classCounts[c]! / this.filled))
    return shares
  }

  private track(name: SignalName): SignalTrack {
    const track = this.tracks.find(t => t.name === name)
    if (track === undefined) throw new RangeError(`no drift signal ${name}`)
    return track
  }
}
