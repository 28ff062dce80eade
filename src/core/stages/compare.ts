import type {Params} from '../config/params.js'
import type {ModelComparison} from '../evaluation/compare.js'
import {compareBundles, servingThreshold} from '../evaluation/score-bundle.js'
import {openModel} from '../model-source.js'
import type {Reporter} from '../reporter.js'
import {loadEvaluationData} from './evaluate.js'

export interface CompareResult extends ModelComparison {
  models: {a: ComparedModel; b: ComparedModel}
  data: {source: string; md5: string; n: number}
}

export interface ComparedModel {
  uri: string
  dir: string
  name?: string
  version?: string
  /** The decision threshold the model predicts with in predict and serve (its stored one, else 0.5). */
  threshold: number
}

/** `compare A B --data FILE`: both models scored on the same texts; delta = B − A with paired-bootstrap intervals. */
export async function runCompare(params: Params, opts: {a: string; b: string; data?: string; cwd: string; reporter: Reporter; trackingUri?: string}): Promise<CompareResult> {
  const open = (uri: string) => openModel(uri, {cwd: opts.cwd, reporter: opts.reporter, trackingUri: opts.trackingUri})
  const a = await open(opts.a)
  const b = await open(opts.b)
  const data = await loadEvaluationData(params, opts.data, opts)
  const {comparison} = compareBundles(a.bundle, b.bundle, data, params.compare, opts.reporter)
  const describe = ({source, bundle}: typeof a): ComparedModel => ({
    uri: source.uri, dir: source.dir, ...(source.name ? {name: source.name, version: source.version} : {}), threshold: servingThreshold(bundle),
  })
  return {...comparison, models: {a: describe(a), b: describe(b)}, data: {source: data.source, md5: data.md5, n: data.texts.length}}
}
