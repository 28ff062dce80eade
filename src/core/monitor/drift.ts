import type {MonitorParams, Params} from '../config/params.js'
import type {Bundle, Prediction} from '../bundle/types.js'
import {DataError, UserError} from '../errors.js'
import {openModel, type ModelSource} from '../model-source.js'
import type {Reporter} from '../reporter.js'
import {readDriftRows} from './drift-input.js'
import {SIGNAL_NAMES, signalValues, type SignalName, type TrainingProfile} from './profile.js'
import {binOf, expectedNoisePsi, psi} from './psi.js'

/** Names in `signals_drifted`: a PSI signal, the predicted class mix, or the accuracy on labeled rows. */
export type DriftSignal = SignalName | 'class_mix' | 'accuracy'

/** The monitor.* params that judge drift (named as in params.yaml, also in the JSON report). */
export type DriftThresholds = Pick<MonitorParams, 'psi_threshold' | 'class_shift_threshold' | 'accuracy_drop_threshold' | 'min_samples'>

export function driftThresholds(monitor: MonitorParams): DriftThresholds {
  const {psi_threshold, class_shift_threshold, accuracy_drop_threshold, min_samples} = monitor
  return {psi_threshold, class_shift_threshold, accuracy_drop_threshold, min_samples}
}

/** Observed against profiled; `change` = now − profile. */
export interface Shift {
  now: number
  profile: number
  change: number
}

/**
 * Standard errors a share may move by sampling alone before it counts as drift: 3 keeps the false alarms of one
 * share below 0.3% (two-sided normal tail), however small the sample.
 */
export const NOISE_STANDARD_ERRORS = 3

/**
 * A share's change that sampling alone stays under (NOISE_STANDARD_ERRORS standard errors of the difference of
 * two independent proportions: p(1 − p)·(1/n + 1/N), p the profiled share, N the profiled texts).
 */
export function shareNoise(p: number, n: number, referenceN: number): number {
  return NOISE_STANDARD_ERRORS * Math.sqrt(p * (1 - p) * (1 / n + (referenceN > 0 ? 1 / referenceN : 0)))
}

/** A share's shift with the part sampling alone explains: drift only beyond both its threshold and `noise`. */
export interface ShareShift extends Shift {
  noise: number
}

export interface DriftSummary {
  /** Texts observed. */
  n: number
  /** PSI per signal (NaN, null in JSON, when nothing was observed). */
  psi: Record<SignalName, number>
  /** PSI sampling noise alone gives on average at this n (see expectedNoisePsi): a yardstick for `psi`. */
  psi_noise: Record<SignalName, number>
  class_mix: {classes: Record<string, ShareShift>; max_shift: number}
  oov_share: Shift
  /** On the labeled texts; absent when none had a label. */
  accuracy?: ShareShift & {labeled: number}
}

/** The judgement: a summary plus what moved past its threshold. */
export interface DriftVerdict extends DriftSummary {
  drift: boolean
  signals_drifted: DriftSignal[]
  /** One line per drifted signal: what moved and by how much. */
  reasons: string[]
  /** Accuracy is judged only on at least min_samples labeled texts. */
  accuracy_judged: boolean
}

/**
 * Running counts of the drift signals against a training profile: per-signal bin counts (O(bins) memory),
 * predicted classes, words and unknown words, right predictions on labeled texts.
 */
export class DriftCounter {
  readonly bins: Record<SignalName, Float64Array>
  readonly predicted: Float64Array
  n = 0
  tokens = 0
  unknown = 0
  labeled = 0
  right = 0

  constructor(
    readonly profile: TrainingProfile,
    readonly classNames: readonly string[],
  ) {
    this.bins = Object.fromEntries(SIGNAL_NAMES.map(name => [name, new Float64Array(profile.signals[name].shares.length)])) as Record<SignalName, Float64Array>
    this.predicted = new Float64Array(classNames.length)
  }

  /** Counts one text: its raw text, words and unknown words after preprocessing, prediction and (optional) true class. */
  add(text: string, tokens: number, unknown: number, prediction: Prediction, label?: number): void {
    const values = signalValues(text, tokens, unknown, prediction, this.classNames)
    for (const name of SIGNAL_NAMES) this.bins[name][binOf(this.profile.signals[name].edges, values[name])]++
    const predicted = this.classNames.indexOf(prediction.label)
    this.predicted[predicted]++
    this.n++
    this.tokens += tokens
    this.unknown += unknown
    if (label !== undefined) {
      this.labeled++
      if (label === predicted) this.right++
    }
  }

  summary(): DriftSummary {
    const profile = this.profile
    const classes: Record<string, ShareShift> = {}
    let maxShift = 0
    this.classNames.forEach((name, c) => {
      const now = this.n > 0 ? this.predicted[c]! / this.n : Number.NaN
      const p = profile.classMix[name] ?? 0
      classes[name] = {...shift(now, p), noise: shareNoise(p, this.n, profile.n)}
      maxShift = Math.max(maxShift, Math.abs(classes[name].change))
    })
    const perSignal = (value: (name: SignalName) => number) => Object.fromEntries(SIGNAL_NAMES.map(name => [name, value(name)])) as Record<SignalName, number>
    return {
      n: this.n,
      psi: perSignal(name => psi(profile.signals[name].shares, this.bins[name])),
      psi_noise: perSignal(name => expectedNoisePsi(profile.signals[name].shares.length, this.n, profile.n)),
      class_mix: {classes, max_shift: this.n > 0 ? maxShift : Number.NaN},
      oov_share: shift(this.tokens > 0 ? this.unknown / this.tokens : 0, profile.oovShare),
      ...(this.labeled > 0 && profile.accuracy !== undefined
        ? {accuracy: {...shift(this.right / this.labeled, profile.accuracy), noise: shareNoise(profile.accuracy, this.labeled, profile.n), labeled: this.labeled}}
        : {}),
    }
  }
}

function shift(now: number, profile: number): Shift {
  return {now, profile, change: now - profile}
}

/**
 * What moved past its threshold (strictly above: "PSI above 0.2 is drift"). A class share or the accuracy must
 * also move by more than sampling alone explains (its `noise`), so a small sample does not raise false alarms.
 */
export function judgeDrift(summary: DriftSummary, thresholds: DriftThresholds): DriftVerdict {
  const drifted: DriftSignal[] = []
  const reasons: string[] = []
  for (const name of SIGNAL_NAMES) {
    const value = summary.psi[name]
    if (value > thresholds.psi_threshold) {
      drifted.push(name)
      reasons.push(`${name}: PSI ${value.toFixed(3)} > ${thresholds.psi_threshold}`)
    }
  }
  const moved = Object.entries(summary.class_mix.classes).filter(([, s]) => Math.abs(s.change) > Math.max(thresholds.class_shift_threshold, s.noise))
  if (moved.length > 0) {
    drifted.push('class_mix')
    const shifts = moved.map(([name, s]) => `${name} ${s.profile.toFixed(3)} → ${s.now.toFixed(3)} (sampling noise ${s.noise.toFixed(3)})`)
    reasons.push(`class_mix: ${shifts.join(', ')} (shift > ${thresholds.class_shift_threshold} and > its noise)`)
  }
  const accuracy = summary.accuracy
  const accuracyJudged = accuracy !== undefined && accuracy.labeled >= thresholds.min_samples
  if (accuracyJudged && -accuracy.change > Math.max(thresholds.accuracy_drop_threshold, accuracy.noise)) {
    drifted.push('accuracy')
    reasons.push(`accuracy: ${accuracy.profile.toFixed(3)} → ${accuracy.now.toFixed(3)} (drop > ${thresholds.accuracy_drop_threshold} and > its sampling noise ${accuracy.noise.toFixed(3)})`)
  }
  return {drift: drifted.length > 0, signals_drifted: drifted, reasons, accuracy_judged: accuracyJudged, ...summary}
}

/** The profile of a bundle, or a one-line error for bundles made before profiles (or by the interim scaffold). */
export function requireProfile(bundle: Bundle): TrainingProfile {
  const profile = bundle.meta.profile
  if (!profile || profile.version !== 1 || !profile.signals || SIGNAL_NAMES.some(name => !profile.signals[name])) {
    throw new UserError(`${bundle.dir}: the model bundle has no training profile (it was trained by an older sentiops): retrain it with \`sentiops train\` or \`sentiops repro\``)
  }
  return profile
}

export interface DriftReport extends DriftVerdict {
  model: ModelSource
  data: string
  /** Texts the profile was built on (the test split). */
  profile_n: number
  /** Rows whose label maps to no class (not counted in the accuracy). */
  unmapped_labels: number
  thresholds: DriftThresholds
}

/**
 * `sentiops drift`: predicts every text of `data` through the model (the serving path) and compares the drift
 * signals with the bundle's training profile. Fewer than monitor.min_samples texts is an error: too few to judge.
 */
export async function runDrift(params: Params, opts: {model: string; data: string; cwd: string; reporter: Reporter; trackingUri?: string}): Promise<DriftReport> {
  const {bundle, source} = await openModel(opts.model, {cwd: opts.cwd, reporter: opts.reporter, trackingUri: opts.trackingUri})
  const profile = requireProfile(bundle)
  const thresholds = driftThresholds(params.monitor)
  const counter = new DriftCounter(profile, bundle.meta.classNames)
  let unmapped = 0
  for await (const batch of readDriftRows(opts.data, params.ingest, bundle.meta.classNames, {cwd: opts.cwd})) {
    unmapped += batch.unmapped
    const texts = batch.rows.map(r => r.text)
    const {predictions, signals} = bundle.predictWithSignals(texts)
    for (let i = 0; i < texts.length; i++) counter.add(texts[i]!, signals.tokens[i]!, signals.unknown[i]!, predictions[i]!, batch.rows[i]!.label)
  }
  if (counter.n < thresholds.min_samples) {
    throw new DataError(`${opts.data}: ${counter.n} texts, fewer than monitor.min_samples (${thresholds.min_samples}): too few to judge drift`, {
      suggestions: ['give a larger sample, or lower the bar with --set monitor.min_samples=N'],
      data: {file: opts.data, n: counter.n, min_samples: thresholds.min_samples},
    })
  }
  if (unmapped > 0) opts.reporter.warn(`${opts.data}: ${unmapped} rows have a label that maps to no class (ingest.label_map, ingest.class_names): left out of the accuracy`)
  const verdict = judgeDrift(counter.summary(), thresholds)
  return {...verdict, model: source, data: opts.data, profile_n: profile.n, unmapped_labels: unmapped, thresholds}
}
