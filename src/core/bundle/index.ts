import {createHash} from 'node:crypto'
import {readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {UserError} from '../errors.js'
import {yaml} from '../yaml.js'
import {Vectorizer, type VectorizerState} from '../features/vectorizer.js'
import {readablePath, writeDirAtomic} from '../fs/atomic.js'
import {loadClassifier, type Classifier, type SerializedClassifier} from '../models/index.js'
import {createPreprocessor, createTokenStages, type Preprocessor} from '../text/index.js'
import {TokenIds} from './token-ids.js'
import {SENTIOPS_VERSION} from '../version.js'
import type {Bundle, BundleMeta, Explanation, Prediction, TextSignals, TokenContribution} from './types.js'

export type {Bundle, BundleMeta, Explanation, Prediction, TextSignals, TokenContribution} from './types.js'

/** Files of a bundle directory. Plain JSON + an MLmodel file: nothing is executed on load. */
export const BUNDLE_FILES = {meta: 'bundle.json', vectorizer: 'vectorizer.json', classifier: 'classifier.json', mlmodel: 'MLmodel'} as const

export interface BundleParts {
  meta: BundleMeta
  vectorizer: Vectorizer
  classifier: Classifier
}

/**
 * Writes a bundle directory atomically (built aside, then renamed into place).
 * Deterministic: the same parts give the same bytes, except MLmodel's `utc_time_created`, which is taken from
 * SOURCE_DATE_EPOCH when set (the reproducible-builds convention) and is the current time otherwise.
 */
export async function saveBundle(dir: string, parts: BundleParts): Promise<void> {
  const files: Record<string, string> = {
    [BUNDLE_FILES.meta]: stableJson(parts.meta),
    [BUNDLE_FILES.vectorizer]: stableJson(parts.vectorizer.state),
    [BUNDLE_FILES.classifier]: stableJson(parts.classifier.toJSON()),
  }
  const digest = createHash('sha256')
  for (const name of Object.keys(files).sort()) digest.update(name).update('\0').update(files[name])
  files[BUNDLE_FILES.mlmodel] = mlmodelYaml(parts.meta, digest.digest('hex').slice(0, 32))
  await writeDirAtomic(dir, async tmp => {
    for (const [name, content] of Object.entries(files)) await writeFile(path.join(tmp, name), content)
  })
}

function mlmodelYaml(meta: BundleMeta, uuid: string): string {
  const epoch = process.env.SOURCE_DATE_EPOCH
  const created = epoch && /^\d+$/.test(epoch) ? new Date(Number(epoch) * 1000) : new Date()
  const utc = created.toISOString().replace('T', ' ').replace('Z', '').concat('000')
  const doc = {
    artifact_path: 'model',
    flavors: {
      sentiops: {
        algorithm: meta.algorithm,
        classes: meta.classNames,
        data: BUNDLE_FILES.classifier,
        format: 'json',
        sentiops_version: SENTIOPS_VERSION,
        vectorizer: BUNDLE_FILES.vectorizer,
      },
    },
    model_uuid: uuid,
    signature: {
      inputs: JSON.stringify([{type: 'string', name: 'text', required: true}]),
      outputs: JSON.stringify([{type: 'string', name: 'label', required: true}, {type: 'double', name: 'score', required: true}]),
      params: null,
    },
    utc_time_created: utc,
  }
  // Quoted like MLflow writes it: unquoted, YAML 1.1 readers (PyYAML) would turn it into a datetime.
  return yaml().stringify(doc, {sortMapEntries: true, lineWidth: 0, defaultStringType: 'PLAIN'}).replace(/^utc_time_created: (.*)$/m, "utc_time_created: '$1'")
}

/** JSON with object keys sorted at every level, so equal content gives equal bytes. */
export function stableJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) + '\n'
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    // Weights, idf and vocabulary are long arrays of plain values: nothing to sort inside, no copy needed.
    let i = 0
    while (i < value.length && (value[i] === null || typeof value[i] !== 'object')) i++
    return i === value.length ? value : value.map(sortKeys)
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key])
    return out
  }
  return value
}

async function readJson<T>(dir: string, name: string): Promise<T> {
  const file = path.join(dir, name)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new UserError(`no model bundle at ${dir} (missing ${name})`, {suggestions: ['run `sentiops train` (or `sentiops repro`) first, or pass --model with a bundle directory or a models:/ URI']})
    }
    throw error
  }
  try {
    return JSON.parse(text) as T
  } catch {
    throw new UserError(`model bundle file ${file} is not valid JSON (corrupt or truncated)`)
  }
}

/**
 * Loads a bundle directory into a ready-to-predict object. While the directory is being replaced, or after a
 * writer or `repro` was killed in the middle, the previous version moved aside next to it is loaded instead
 * (see src/core/fs/atomic.ts), so a crash never leaves `predict`/`serve` without a model.
 */
export async function loadBundle(dir: string): Promise<Bundle> {
  for (let attempt = 0; ; attempt++) {
    const at = await readablePath(dir)
    try {
      return await loadBundleFrom(at, dir)
    } catch (error) {
      // The previous version was put back or dropped while it was read: look again, once.
      if (at === dir || attempt > 0) throw error
    }
  }
}

async function loadBundleFrom(at: string, dir: string): Promise<Bundle> {
  const [meta, vectorizerState, classifierJson] = await Promise.all([
    readJson<BundleMeta>(at, BUNDLE_FILES.meta),
    readJson<VectorizerState>(at, BUNDLE_FILES.vectorizer),
    readJson<SerializedClassifier>(at, BUNDLE_FILES.classifier),
  ])
  if (meta.format !== 'sentiops-bundle') throw new UserError(`${path.join(at, BUNDLE_FILES.meta)} is not a sentiops bundle`)
  if (meta.formatVersion !== 1) throw new UserError(`bundle format version ${meta.formatVersion} at ${at} is not supported by sentiops ${SENTIOPS_VERSION}`)
  return new LoadedBundle(dir, {meta, vectorizer: new Vectorizer(vectorizerState), classifier: loadClassifier(classifierJson)})
}

/** Builds a Bundle from in-memory parts (train uses it to evaluate without a reload). */
export function bundleFromParts(dir: string, parts: BundleParts): Bundle {
  return new LoadedBundle(dir, parts)
}

class LoadedBundle implements Bundle {
  readonly meta: BundleMeta
  private readonly preprocess: Preprocessor
  private readonly tokenIds: TokenIds
  private readonly probabilityTemplate: Record<string, number>
  private readonly vectorizer: Vectorizer
  private readonly classifier: Classifier
  private readonly threshold: number | undefined

  constructor(readonly dir: string, parts: BundleParts) {
    this.meta = parts.meta
    this.threshold = parts.meta.classNames.length === 2 ? parts.meta.threshold : undefined
    this.vectorizer = parts.vectorizer
    this.classifier = parts.classifier
    this.probabilityTemplate = Object.fromEntries(parts.meta.classNames.map(name => [name, 0]))
    const stages = createTokenStages(parts.meta.preprocess)
    this.tokenIds = new TokenIds(stages, this.vectorizer)
    this.preprocess = createPreprocessor(parts.meta.preprocess, stages)
  }

  /** Class probabilities for already-preprocessed texts, row-major n × k. */
  probabilities(processed: readonly string[]): Float64Array {
    return this.classifier.predictProba(this.vectorizer.transformTransient(processed))
  }

  predict(texts: readonly string[]): Prediction[] {
    const proba = this.classifier.predictProba(this.vectorizer.transformIdsTransient(texts.length, (row, ids) => this.tokenIds.append(texts[row]!, ids)))
    return this.toPredictions(proba, texts.length)
  }

  predictWithSignals(texts: readonly string[]): {predictions: Prediction[]; signals: TextSignals} {
    const signals = {tokens: new Uint32Array(texts.length), unknown: new Uint32Array(texts.length)}
    const X = this.vectorizer.transformIdsTransient(texts.length, (row, ids) => {
      this.tokenIds.append(texts[row]!, ids)
      signals.tokens[row] = this.tokenIds.lastTokens
      signals.unknown[row] = this.tokenIds.lastUnknown
    })
    return {predictions: this.toPredictions(this.classifier.predictProba(X), texts.length), signals}
  }

  private toPredictions(proba: Float64Array, n: number): Prediction[] {
    const k = this.meta.classNames.length
    const out: Prediction[] = []
    for (let i = 0; i < n; i++) out.push(this.toPrediction(proba, i * k))
    return out
  }

  private toPrediction(proba: Float64Array, offset: number): Prediction {
    const names = this.meta.classNames
    let best = 0
    // A copy of a template keeps one hidden class for every prediction; adding keys one by one would take
    // V8's slow path (a new map transition lookup per key) each time.
    const probabilities: Record<string, number> = {...this.probabilityTemplate}
    for (let c = 0; c < names.length; c++) {
      probabilities[names[c]] = proba[offset + c]
      if (proba[offset + c] > proba[offset + best]) best = c
    }
    // The bundle's own decision threshold (binary): class 1 when its probability is above it, as evaluate counts.
    if (this.threshold !== undefined) best = proba[offset + 1] > this.threshold ? 1 : 0
    return {label: names[best], score: proba[offset + best], probabilities}
  }

  explain(text: string, topK = 10): Explanation {
    const processed = this.preprocess(text)
    const X = this.vectorizer.transform([processed])
    const proba = this.classifier.predictProba(X)
    const prediction = this.toPrediction(proba, 0)
    const target = this.meta.classNames.indexOf(prediction.label)
    const vocab = this.vectorizer.state.vocabulary
    const linear = this.classifier as Classifier & {bias?(c: number): number}
    let contributions: TokenContribution[]
    let bias: number
    let method: Explanation['method']
    if (this.classifier.contributions && linear.bias) {
      method = 'exact'
      bias = linear.bias(target)
      contributions = this.classifier.contributions(X, 0, target).map(c => ({token: vocab[c.feature], contribution: c.value}))
    } else {
      method = 'occlusion'
      bias = 0
      contributions = this.occlusion(processed, target, proba[target])
    }
    contributions.sort((a, b) => b.contribution - a.contribution || (a.token < b.token ? -1 : 1))
    return {
      ...prediction,
      target: prediction.label,
      method,
      processed,
      bias,
      positive: contributions.filter(c => c.contribution > 0).slice(0, topK),
      negative: contributions.filter(c => c.contribution < 0).reverse().slice(0, topK),
    }
  }

  featureImportances(topK = 20): Array<{token: string; importance: number}> {
    const imp = this.classifier.featureImportances()
    const vocab = this.vectorizer.state.vocabulary
    return topIndices(imp, topK).map(j => ({token: vocab[j], importance: imp[j]}))
  }

  /** Model-agnostic: log-odds of the target with the text as is, minus with each distinct token left out. */
  private occlusion(processed: string, target: number, pFull: number): TokenContribution[] {
    const tokens = processed === '' ? [] : processed.split(' ')
    const distinct = [...new Set(tokens)]
    if (distinct.length === 0) return []
    const variants = distinct.map(t => tokens.filter(x => x !== t).join(' '))
    const proba = this.probabilities(variants)
    const k = this.meta.classNames.length
    return distinct.map((token, i) => ({token, contribution: logit(pFull) - logit(proba[i * k + target])}))
  }
}

/**
 * Indices of the `k` largest values, largest first, ties by lower index: the head of a full sort, in one pass
 * with a short insertion list (a full sort of 50k importances took longer than the rest of evaluate).
 */
export function topIndices(values: ArrayLike<number>, k: number): number[] {
  const top: number[] = []
  for (let j = 0; j < values.length && k > 0; j++) {
    const v = values[j]!
    const full = top.length === k
    if (full && !(v > values[top[k - 1]!]!)) continue
    let i = full ? k - 1 : top.length
    for (; i > 0 && v > values[top[i - 1]!]!; i--) top[i] = top[i - 1]!
    top[i] = j
  }
  return top
}

function logit(p: number): number {
  const q = Math.min(1 - 1e-12, Math.max(1e-12, p))
  return Math.log(q / (1 - q))
}
