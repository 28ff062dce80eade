import {createHash} from 'node:crypto'
import path from 'node:path'
import type {Params} from '../config/params.js'
import type {Reporter} from '../reporter.js'
import type {RunHandle} from '../tracking/index.js'

export interface TrackingOptions {
  /** false: no run is recorded (--no-track, SENTIOPS_TRACKING=off). */
  enabled: boolean
  /** ./mlruns (default), file:///abs, or http(s):// MLflow server; default MLFLOW_TRACKING_URI. */
  trackingUri?: string
  /** Experiment name; default MLFLOW_EXPERIMENT_NAME, else "Default". */
  experiment?: string
  runName?: string
  cwd: string
  reporter: Reporter
}

export interface TrackedRun {
  runId: string
  experimentId: string
  runName: string
  trackingUri: string
}

/**
 * Runs a pipeline step inside an MLflow run (FINISHED, or FAILED when it throws). The tracking module loads
 * only when tracking is on, so an untracked command pays nothing for it.
 */
export async function tracked<T>(options: TrackingOptions, fn: (run: RunHandle | undefined) => Promise<T>): Promise<{result: T; run?: TrackedRun}> {
  if (!options.enabled) return {result: await fn(undefined)}
  const tracking = await import('../tracking/index.js')
  const stores = tracking.openStores({trackingUri: options.trackingUri, cwd: options.cwd, reporter: options.reporter})
  let handle: RunHandle | undefined
  const result = await tracking.withRun(
    stores.tracking,
    {experiment: options.experiment ?? process.env.MLFLOW_EXPERIMENT_NAME ?? 'Default', runName: options.runName, cwd: options.cwd, reporter: options.reporter},
    async run => {
      handle = run
      return fn(run)
    },
  )
  return {result, run: handle && {runId: handle.runId, experimentId: handle.experimentId, runName: handle.info.runName, trackingUri: stores.tracking.uri}}
}

/** Tracking is on unless --no-track or SENTIOPS_TRACKING=off|0|false. */
export function trackingEnabled(flag: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  if (flag !== undefined) return flag
  return !/^(off|0|false|no)$/i.test(env.SENTIOPS_TRACKING ?? '')
}

/** The params a model depends on, flattened the MLflow way (featurize.max_features). */
export function modelParams(params: Params): Record<string, unknown> {
  return {
    preprocess: params.preprocess,
    featurize: params.featurize,
    train: {algorithm: params.train.algorithm, seed: params.train.seed, [params.train.algorithm]: params.train[params.train.algorithm]},
  }
}

/** md5 of a file's bytes, for the sentiops.data.md5 tag. */
export function md5Hex(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex')
}

export function relativeTo(cwd: string, p: string): string {
  const rel = path.relative(cwd, p)
  return rel.startsWith('..') ? p : rel
}
