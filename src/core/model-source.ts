import {loadBundle, type Bundle} from './bundle/index.js'
import type {Reporter} from './reporter.js'

export interface ModelSource {
  uri: string
  dir: string
  name?: string
  version?: string
  alias?: string
  stage?: string
  /** The run that logged the model (registered models and runs:/ URIs). */
  runId?: string
}

/** Resolves a bundle path or a models:/ / runs:/ URI (through the tracking store) and loads the bundle. */
export async function openModel(uri: string, opts: {cwd: string; reporter: Reporter; trackingUri?: string}): Promise<{bundle: Bundle; source: ModelSource}> {
  const source = await resolveModelSource(uri, opts)
  return {bundle: await loadBundle(source.dir), source}
}

export async function resolveModelSource(uri: string, opts: {cwd: string; reporter: Reporter; trackingUri?: string}): Promise<ModelSource> {
  if (!/^(models|runs):\//.test(uri)) {
    const path = await import('node:path')
    return {uri, dir: path.resolve(opts.cwd, uri)}
  }
  const tracking = await import('./tracking/index.js')
  const stores = tracking.openStores({trackingUri: opts.trackingUri, cwd: opts.cwd, reporter: opts.reporter})
  const resolved = await tracking.resolveModel(uri, stores, {cwd: opts.cwd})
  return {uri, ...resolved}
}
