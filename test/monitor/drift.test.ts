import {describe, expect, it} from 'vitest'
import type {Prediction} from '../../src/core/bundle/types.js'
import {DriftCounter, judgeDrift, type DriftThresholds} from '../../src/core/monitor/drift.js'
import type {TrainingProfile} from '../../src/core/monitor/profile.js'

const CLASSES = ['negative', 'positive']
const one = {edges: [], shares: [1]}
/** 400 profiled texts, half predicted positive, 80% right; one bin per signal, so every PSI is 0. */
const profile: TrainingProfile = {
  version: 1,
  n: 400,
  signals: {text_length: one, token_count: one, oov_rate: one, score: one},
  oovShare: 0,
  classMix: {negative: 0.5, positive: 0.5},
  accuracy: 0.8,
}
const thresholds: DriftThresholds = {psi_threshold: 0.2, class_shift_threshold: 0.1, accuracy_drop_threshold: 0.05, min_samples: 100}
const prediction = (label: string): Prediction => ({label, score: 0.9, probabilities: {negative: label === 'negative' ? 0.9 : 0.1, positive: label === 'positive' ? 0.9 : 0.1}})

/** `n` texts of which `positive` predicted positive; the first `right` of them labeled as predicted, the rest not. */
function verdict(n: number, positive: number, right?: number) {
  const counter = new DriftCounter(profile, CLASSES)
  for (let i = 0; i < n; i++) {
    const predicted = i < positive ? 1 : 0
    counter.add('some text', 2, 0, prediction(CLASSES[predicted]!), right === undefined ? undefined : i < right ? predicted : 1 - predicted)
  }
  return judgeDrift(counter.summary(), thresholds)
}

describe('judgeDrift: a class share or the accuracy must move past its threshold and past 3 standard errors of sampling', () => {
  it('100 texts: a class share moved by 0.13 is within sampling noise 3·√(.25·(1/100 + 1/400)) = 0.1677051', () => {
    const v = verdict(100, 63)
    expect(v.class_mix.classes.positive!.change).toBeCloseTo(0.13, 12)
    expect(v.class_mix.classes.positive!.noise).toBeCloseTo(0.1677051, 7)
    expect(v.class_mix.classes.negative!.noise).toBeCloseTo(0.1677051, 7)
    expect(v.drift).toBe(false)
    expect(v.signals_drifted).toEqual([])
  })

  it('100 texts: a class share moved by 0.2 is past both: drift, with the noise in the reason', () => {
    const v = verdict(100, 70)
    expect(v.signals_drifted).toEqual(['class_mix'])
    expect(v.reasons).toEqual(['class_mix: negative 0.500 → 0.300 (sampling noise 0.168), positive 0.500 → 0.700 (sampling noise 0.168) (shift > 0.1 and > its noise)'])
  })

  it('10,000 texts: the noise 3·√(.25·(1/10000 + 1/400)) = 0.0764853 is under the threshold, which then decides', () => {
    const within = verdict(10_000, 5900)
    expect(within.class_mix.classes.positive!.noise).toBeCloseTo(0.0764853, 7)
    expect(within.drift).toBe(false)
    expect(verdict(10_000, 6100).signals_drifted).toEqual(['class_mix'])
  })

  it('accuracy 0.8 → 0.7 on 100 labeled texts is within 3·√(.16·(1/100 + 1/400)) = 0.1341641; → 0.6 is drift', () => {
    const within = verdict(100, 50, 70)
    expect(within.accuracy).toMatchObject({now: 0.7, profile: 0.8, labeled: 100})
    expect(within.accuracy!.noise).toBeCloseTo(0.1341641, 7)
    expect(within.accuracy_judged).toBe(true)
    expect(within.drift).toBe(false)
    const dropped = verdict(100, 50, 60)
    expect(dropped.signals_drifted).toEqual(['accuracy'])
    expect(dropped.reasons).toEqual(['accuracy: 0.800 → 0.600 (drop > 0.05 and > its sampling noise 0.134)'])
  })

  it('reports the PSI sampling noise alone gives: (bins − 1)·(1/n + 1/N), 0 with one bin', () => {
    const v = verdict(100, 50)
    expect(v.psi_noise).toEqual({text_length: 0, token_count: 0, oov_rate: 0, score: 0})
    expect(v.psi).toEqual({text_length: 0, token_count: 0, oov_rate: 0, score: 0})
  })
})
