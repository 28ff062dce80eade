/** Scores a model bundle on a labeled set: the bundle's own predictions and decision threshold, on the raw texts. */
import type {Bundle} from '../bundle/index.js'
import {DataError} from '../errors.js'
import type {Reporter} from '../reporter.js'
import {compareScored, type CompareOptions, type ComparisonWithSamples} from './compare.js'
import type {EvaluationInput} from './input.js'
import {scoreModel} from './score.js'

/** Labeled texts; labels index `classNames` (the data's classes, e.g. ingest.class_names). */
export interface LabeledSet {
  texts: string[]
  labels: ArrayLike<number>
  classNames: string[]
  /** Where the texts came from, for reports and tags. */
  source: string
  /** md5 of the data file (or of the rows when they came from several sources). */
  md5: string
  /** Texts that are empty or blank (scored as given). */
  emptyTexts?: number
}

const BATCH = 4096

/** The threshold `bundle` decides with in predict and serve: its stored one (two classes), else 0.5 (the most probable class). */
export function servingThreshold(bundle: Bundle): number {
  return bundle.meta.classNames.length === 2 ? (bundle.meta.threshold ?? 0.5) : 0.5
}

/** Class probabilities, row-major n × k in the bundle's class order, predicted through bundle.predict. */
export function bundleProbabilities(bundle: Bundle, texts: readonly string[], reporter?: Reporter, label = 'evaluate'): Float64Array {
  const classNames = bundle.meta.classNames
  const k = classNames.length
  const proba = new Float64Array(texts.length * k)
  for (let start = 0; start < texts.length; start += BATCH) {
    const predictions = bundle.predict(texts.slice(start, start + BATCH))
    predictions.forEach((p, i) => classNames.forEach((name, c) => (proba[(start + i) * k + c] = p.probabilities[name])))
    reporter?.progress(label, Math.min(texts.length, start + BATCH), texts.length)
  }
  return proba
}

/**
 * The evaluation input of `bundle` on `data`: labels re-indexed to the bundle's classes by name, and the
 * bundle's own stored threshold (0.5, the most probable class, when it stores none), so every model decides
 * exactly as it does in predict and serve.
 */
export function bundleEvaluationInput(bundle: Bundle, data: LabeledSet, reporter?: Reporter): EvaluationInput {
  const classNames = bundle.meta.classNames
  const toBundle = data.classNames.map(name => classNames.indexOf(name))
  const unknown = data.classNames.filter((_, c) => toBundle[c] < 0)
  if (unknown.length > 0) {
    throw new DataError(`${data.source}: class ${unknown.map(n => `'${n}'`).join(', ')} is not one the model at ${bundle.dir} predicts (its classes: ${classNames.join(', ')})`, {
      suggestions: ['map the labels with --set ingest.label_map=... and ingest.class_names=[...] to the model\'s classes'],
    })
  }
  const yTrue = Int32Array.from(data.labels, label => toBundle[label])
  return {yTrue, proba: bundleProbabilities(bundle, data.texts, reporter), nClasses: classNames.length, classNames, threshold: servingThreshold(bundle)}
}

/** Scores both bundles on the same texts and compares them (A = reference, B = challenger). */
export function compareBundles(a: Bundle, b: Bundle, data: LabeledSet, options: CompareOptions, reporter?: Reporter): ComparisonWithSamples {
  const ca = a.meta.classNames
  const cb = b.meta.classNames
  if (ca.length !== cb.length || ca.some((name, i) => name !== cb[i])) {
    throw new DataError(`the two models predict different classes (${ca.join(', ')} vs ${cb.join(', ')}): they cannot be compared text by text`)
  }
  const scoredA = scoreModel(bundleEvaluationInput(a, data, reporter))
  const scoredB = scoreModel(bundleEvaluationInput(b, data, reporter))
  return compareScored(scoredA, scoredB, options)
}
