import {describe, expect, it} from 'vitest'
import type {Prediction} from '../../src/core/bundle/types.js'
import {loadParams} from '../../src/core/config/index.js'
import {DriftCounter, driftThresholds, judgeDrift} from '../../src/core/monitor/drift.js'
import {mix, quantileProfile, SIGNAL_NAMES, signalValues, type SignalName, type TrainingProfile} from '../../src/core/monitor/profile.js'

/**
 * In-domain resampling: a reference profile of N texts and many fresh samples of monitor.min_samples texts
 * (the default) from the same population. Nothing drifted, so every exit 5 would be a false alarm.
 */

const CLASSES = ['negative', 'positive']
const N = 500
const DRAWS = 200

interface Text {
  text: string
  tokens: number
  unknown: number
  prediction: Prediction
  label: number
}

/** mulberry32: a small seeded generator, so the draws are the same on every run. */
function generator(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * A review-like population: a discrete, skewed word count (bins of unequal share, as token_count has), a length
 * that follows it, each word unknown with probability 0.1, 45% predicted positive (`positiveShare`), 85% right.
 */
function population(random: () => number, opts: {positiveShare?: number; lengthFactor?: number} = {}): () => Text {
  const positiveShare = opts.positiveShare ?? 0.45
  const lengthFactor = opts.lengthFactor ?? 1
  return () => {
    const tokens = Math.round((1 + Math.floor(-Math.log(1 - random()) * 6)) * lengthFactor)
    let unknown = 0
    for (let w = 0; w < tokens; w++) if (random() < 0.1) unknown++
    const positive = random() < positiveShare
    const confidence = 0.5 + 0.5 * random() ** 2
    const p = positive ? confidence : 1 - confidence
    const predicted = positive ? 1 : 0
    return {
      text: 'x'.repeat(5 * tokens + Math.floor(random() * 20)),
      tokens,
      unknown,
      prediction: {label: CLASSES[predicted]!, score: Math.max(p, 1 - p), probabilities: {negative: 1 - p, positive: p}},
      label: random() < 0.85 ? predicted : 1 - predicted,
    }
  }
}

/** The profile `train` would store for these texts: decile bins per signal, class mix, accuracy, OOV share. */
function profileOf(texts: Text[]): TrainingProfile {
  const columns = Object.fromEntries(SIGNAL_NAMES.map(name => [name, [] as number[]])) as Record<SignalName, number[]>
  const predicted = [0, 0]
  let right = 0
  for (const t of texts) {
    const values = signalValues(t.text, t.tokens, t.unknown, t.prediction, CLASSES)
    for (const name of SIGNAL_NAMES) columns[name].push(values[name])
    const p = CLASSES.indexOf(t.prediction.label)
    predicted[p]++
    if (p === t.label) right++
  }
  const words = texts.reduce((a, t) => a + t.tokens, 0)
  return {
    version: 1,
    n: texts.length,
    signals: Object.fromEntries(SIGNAL_NAMES.map(name => [name, quantileProfile(columns[name])])) as TrainingProfile['signals'],
    oovShare: texts.reduce((a, t) => a + t.unknown, 0) / words,
    classMix: mix(predicted, CLASSES),
    accuracy: right / texts.length,
  }
}

/** Chernoff's bound on a χ² tail with d degrees of freedom: P(χ²_d ≥ x) ≤ (x/d)^(d/2) · e^((d − x)/2), x > d. */
function chiSquareTail(d: number, x: number): number {
  return x <= d ? 1 : (x / d) ** (d / 2) * Math.exp((d - x) / 2)
}

describe('false alarms on in-domain samples of monitor.min_samples texts (seeded resampling)', async () => {
  const {params} = await loadParams({cwd: '/nonexistent-dir', env: {}})
  const thresholds = driftThresholds(params.monitor)
  const n = thresholds.min_samples
  const random = generator(13)
  const reference = profileOf(Array.from({length: N}, population(random)))

  function draws(draw: () => Text): {drifted: number; bySignal: Record<string, number>; meanPsi: Record<SignalName, number>} {
    const bySignal: Record<string, number> = {}
    const meanPsi = Object.fromEntries(SIGNAL_NAMES.map(name => [name, 0])) as Record<SignalName, number>
    let drifted = 0
    for (let d = 0; d < DRAWS; d++) {
      const counter = new DriftCounter(reference, CLASSES)
      for (let i = 0; i < n; i++) {
        const t = draw()
        counter.add(t.text, t.tokens, t.unknown, t.prediction, t.label)
      }
      const verdict = judgeDrift(counter.summary(), thresholds)
      if (verdict.drift) drifted++
      for (const s of verdict.signals_drifted) bySignal[s] = (bySignal[s] ?? 0) + 1
      for (const name of SIGNAL_NAMES) meanPsi[name] += verdict.psi[name] / DRAWS
    }
    return {drifted, bySignal, meanPsi}
  }

  it('the default min_samples keeps false alarms under the bound the noise formulas give', () => {
    const inDomain = draws(population(random))
    // n·PSI is about χ² with bins − 1 degrees of freedom, scaled by 1/n + 1/N (the reference is a sample too):
    // PSI > psi_threshold ⇔ χ² > psi_threshold / (1/n + 1/N). A class share or the accuracy alarms beyond
    // 3 standard errors: 2·(1 − Φ(3)) = 0.0027 two-sided (both classes move together), 1 − Φ(3) = 0.00135 for a drop.
    const scale = 1 / n + 1 / N
    let bound = 0.0027 + 0.00135
    for (const name of SIGNAL_NAMES) bound += chiSquareTail(reference.signals[name].shares.length - 1, thresholds.psi_threshold / scale)
    const expected = DRAWS * bound
    const allowed = Math.floor(expected + 3 * Math.sqrt(expected) + 1)
    console.log(`in-domain samples of ${n} vs a profile of ${N}: ${inDomain.drifted}/${DRAWS} false alarms ${JSON.stringify(inDomain.bySignal)}; union bound ${bound.toFixed(4)} → at most ${allowed}; mean PSI ${JSON.stringify(inDomain.meanPsi)}`)
    expect(bound).toBeLessThan(0.01)
    expect(inDomain.drifted).toBeLessThanOrEqual(allowed)
    // The mean PSI is the noise formula (bins − 1)·(1/n + 1/N) give or take how far the reference sample itself fell.
    for (const name of SIGNAL_NAMES) {
      const formula = (reference.signals[name].shares.length - 1) * scale
      expect(inDomain.meanPsi[name], name).toBeGreaterThan(0.5 * formula)
      expect(inDomain.meanPsi[name], name).toBeLessThan(1.5 * formula)
    }
  })

  it('and still catches real drift at that size: texts twice as long, a class share moved by 0.2', () => {
    const longer = draws(population(random, {lengthFactor: 2}))
    expect(longer.bySignal.text_length).toBe(DRAWS)
    expect(longer.bySignal.token_count).toBe(DRAWS)
    // 0.45 → 0.65: the shift 0.2 is past 0.1 and past the noise 3·√(.2475·(1/n + 1/N)) by several of its own
    // standard errors √(.65·.35/n).
    const positive = draws(population(random, {positiveShare: 0.65}))
    expect(positive.bySignal.class_mix ?? 0).toBeGreaterThanOrEqual(0.95 * DRAWS)
  })
})
