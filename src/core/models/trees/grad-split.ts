import {thresholdBetween, type FeatureBins} from './bins.js'
import type {Rng} from './rng.js'

export interface GradTreeOptions {
  maxDepth: number
  /**
   * xgb: XGBoost's regularized score T(G)²/(H+λ) (T = soft threshold by α), each child needs hessian ≥ minChild,
   *      rows without the feature go to a learned default side.
   * gb:  least squares on the gradients (scikit-learn's friedman_mse ranks splits the same way): score G²/W with
   *      W the node's weight (sum of sample weights; its row count without weights), each child needs ≥ minChild
   *      rows (a count, as min_samples_leaf), rows without the feature have value 0.
   */
  objective: 'xgb' | 'gb'
  lambda: number
  alpha: number
  minChild: number
  /** XGBoost's gamma: after growing, splits whose gain is below it are pruned bottom-up. */
  gamma: number
}

/** A chosen split: stored values below `threshold` go left, absent entries go left when `defaultLeft`. */
export interface Split {
  gain: number
  feature: number
  threshold: number
  defaultLeft: boolean
}

/**
 * A node's gradient histogram, sparse: (bin, Σg, Σh, count) of its non-empty bins, ascending by bin, and Σ sample
 * weight per bin when gb has sample weights (without them the weight is the count and `w` is absent).
 */
export interface Histogram {
  bin: Int32Array
  g: Float64Array
  h: Float64Array
  c: Float64Array
  w?: Float64Array
  n: number
}

const MIN_GAIN = 1e-6 // XGBoost's kRtEps: smaller loss reductions are rounding noise

/**
 * Finds a node's best split from its sparse gradient histogram: xgb scores with XGBoost's regularized gain
 * and learns where rows without the feature go; gb scores least squares with zero as a value.
 */
export class GradSplitFinder {
  private readonly segFrom: Int32Array
  private readonly segTo: Int32Array
  private readonly zeroPolicy: boolean
  // The node being searched and its best split so far.
  private nodeG = 0
  private nodeH = 0
  private nodeC = 0
  private nodeW = 0
  private parentScore = 0
  private bestGain = 0
  private bestFeature = -1
  private bestLo = 0
  private bestHi = 0
  private bestDefaultLeft = false

  constructor(private readonly bins: FeatureBins, private readonly opt: GradTreeOptions) {
    this.segFrom = new Int32Array(bins.nFeatures)
    this.segTo = new Int32Array(bins.nFeatures)
    this.zeroPolicy = opt.objective === 'gb'
  }

  /**
   * The best split of a node with sums (G, H, C rows, W weight) and histogram `hist`, over the allowed features.
   * W is used by gb only (= C without sample weights).
   */
  find(G: number, H: number, C: number, W: number, hist: Histogram, allowed: Uint8Array | null, rng: Rng | null): Split | null {
    this.nodeG = G
    this.nodeH = H
    this.nodeC = C
    this.nodeW = W
    this.parentScore = this.score(G, H, W)
    this.bestGain = this.opt.objective === 'xgb' ? MIN_GAIN : 0
    this.bestFeature = -1
    const {binFeature} = this.bins
    const {segFrom, segTo} = this
    const {bin, n} = hist
    let segments = 0
    for (let i = 0; i < n; ) {
      const f = binFeature[bin[i]]
      let j = i + 1
      while (j < n && binFeature[bin[j]] === f) j++
      if (!allowed || allowed[f]) {
        segFrom[segments] = i
        segTo[segments++] = j
      }
      i = j
    }
    // Equal gains go to the first feature visited: ascending features as XGBoost, or a seeded random order
    // as scikit-learn (text has many rare words with identical row sets, so this choice matters).
    if (rng) {
      for (let s = segments - 1; s > 0; s--) {
        const t = rng.nextInt(s + 1)
        const a = segFrom[s]
        const b = segTo[s]
        segFrom[s] = segFrom[t]
        segTo[s] = segTo[t]
        segFrom[t] = a
        segTo[t] = b
      }
    }
    for (let s = 0; s < segments; s++) {
      const f = binFeature[bin[segFrom[s]]]
      if (this.zeroPolicy) this.scanZero(f, hist, segFrom[s], segTo[s])
      else this.scanLearn(f, hist, segFrom[s], segTo[s])
    }
    if (this.bestFeature < 0) return null
    // NaN lo marks "rows without the feature vs. every stored value": the threshold is the feature's smallest value.
    const threshold = Number.isNaN(this.bestLo) ? this.bestHi : thresholdBetween(this.bestLo, this.bestHi)
    const defaultLeft = this.zeroPolicy ? 0 < threshold : this.bestDefaultLeft
    return {gain: this.bestGain, feature: this.bestFeature, threshold, defaultLeft}
  }

  private score(G: number, H: number, W: number): number {
    if (this.opt.objective === 'gb') return W > 0 ? (G * G) / W : 0
    const t = softThreshold(G, this.opt.alpha)
    return (t * t) / (H + this.opt.lambda)
  }

  /**
   * All thresholds of feature f from its histogram bins [from..to), XGBoost's sparsity-aware way: the rows
   * without the feature go right (pass 1), then left (pass 2), and the better side becomes the learned
   * default. This is the hot loop of boosting, hence the flat code: a candidate costs two divisions, and a
   * pass stops as soon as its shrinking side falls below min_child_weight.
   */
  private scanLearn(f: number, hist: Histogram, from: number, to: number): void {
    const G = this.nodeG
    const H = this.nodeH
    const C = this.nodeC
    const {lambda, alpha, minChild} = this.opt
    const parent = this.parentScore
    const {g: hg, h: hh, c: hc} = hist
    let best = this.bestGain
    let bestAt = -2 // last bin on the left; from − 1: the rows without f alone on the left
    let bestLeft = false
    // Pass 1: rows without f go right; the left side is a prefix of the stored values.
    let gl = 0
    let hl = 0
    for (let i = from; i < to - 1; i++) {
      gl += hg[i]
      hl += hh[i]
      if (hl < minChild) continue
      const hr = H - hl
      if (hr < minChild) break
      const tl = alpha === 0 ? gl : softThreshold(gl, alpha)
      const tr = alpha === 0 ? G - gl : softThreshold(G - gl, alpha)
      const gain = (tl * tl) / (hl + lambda) + (tr * tr) / (hr + lambda) - parent
      if (gain > best) {
        best = gain
        bestAt = i
        bestLeft = false
      }
    }
    let gp = 0
    let hp = 0
    let cp = 0
    for (let i = from; i < to; i++) {
      gp += hg[i]
      hp += hh[i]
      cp += hc[i]
    }
    if (C - cp > 0 && hp >= minChild) {
      // Pass 2: rows without f go left, first alone, then with each prefix; the right side shrinks.
      gl = G - gp
      hl = H - hp
      for (let i = from - 1; i < to - 1; i++) {
        if (i >= from) {
          gl += hg[i]
          hl += hh[i]
        }
        const hr = H - hl
        if (hr < minChild) break
        if (hl < minChild) continue
        const tl = alpha === 0 ? gl : softThreshold(gl, alpha)
        const tr = alpha === 0 ? G - gl : softThreshold(G - gl, alpha)
        const gain = (tl * tl) / (hl + lambda) + (tr * tr) / (hr + lambda) - parent
        if (gain > best) {
          best = gain
          bestAt = i
          bestLeft = true
        }
      }
    }
    if (bestAt === -2) return
    this.bestGain = best
    this.bestFeature = f
    this.bestDefaultLeft = bestLeft
    const {binLo, binHi, binStart} = this.bins
    this.bestLo = bestAt < from ? Number.NaN : binHi[hist.bin[bestAt]]
    this.bestHi = bestAt < from ? binLo[binStart[f]] : binLo[hist.bin[bestAt + 1]]
  }

  /**
   * scikit-learn semantics for gb: rows without the feature are the value 0, a bucket placed where 0 falls
   * among the bins; least-squares score G²/W (W: weight, the count without sample weights), each side needs
   * min_samples_leaf rows.
   */
  private scanZero(f: number, hist: Histogram, from: number, to: number): void {
    const {binLo, binHi} = this.bins
    const {bin, g: hg, c: hc} = hist
    const hw = hist.w ?? hc
    const G = this.nodeG
    const C = this.nodeC
    const W = this.nodeW
    const minChild = this.opt.minChild
    const parent = this.parentScore
    let gp = 0
    let cp = 0
    let wp = 0
    for (let i = from; i < to; i++) {
      gp += hg[i]
      cp += hc[i]
      wp += hw[i]
    }
    const gm = G - gp
    const cm = C - cp
    const wm = W - wp
    let zeroAt = to
    while (zeroAt > from && binHi[bin[zeroAt - 1]] >= 0) zeroAt--
    const zeroMerged = zeroAt < to && binLo[bin[zeroAt]] <= 0
    let zeroPending = cm > 0 && !zeroMerged
    let best = this.bestGain
    let found = false
    let bestLo = 0
    let bestHi = 0
    let gl = 0
    let cl = 0
    let wl = 0
    let lastHi = 0
    let i = from
    for (let first = true; ; first = false) {
      const isZero = zeroPending && i === zeroAt
      if (!isZero && i >= to) break
      if (!first && cl >= minChild && C - cl >= minChild) {
        const gr = G - gl
        const gain = (gl * gl) / wl + (gr * gr) / (W - wl) - parent
        if (gain > best) {
          best = gain
          found = true
          bestLo = lastHi
          bestHi = isZero ? 0 : binLo[bin[i]]
        }
      }
      if (isZero || (zeroMerged && i === zeroAt)) {
        gl += gm
        cl += cm
        wl += wm
        zeroPending = false
        lastHi = 0
        if (isZero) continue
      }
      gl += hg[i]
      cl += hc[i]
      wl += hw[i]
      lastHi = binHi[bin[i]]
      i++
    }
    if (!found) return
    this.bestGain = best
    this.bestFeature = f
    this.bestLo = bestLo
    this.bestHi = bestHi
  }
}

function softThreshold(g: number, alpha: number): number {
  return g > alpha ? g - alpha : g < -alpha ? g + alpha : 0
}
