/**
 * Picks the store implementations from the tracking URI: `--tracking-uri`, else MLFLOW_TRACKING_URI, else
 * ./mlruns. The registry follows MLFLOW_REGISTRY_URI when set (MLflow's rule), else the tracking URI.
 */
import {silentReporter, type Reporter} from '../reporter.js'
import {FileModelRegistry} from './file-store/registry.js'
import {FileStoreRoot} from './file-store/root.js'
import {FileTrackingStore} from './file-store/tracking.js'
import {MlflowHttpClient} from './rest-store/http.js'
import {RestModelRegistry} from './rest-store/registry.js'
import {RestTrackingStore} from './rest-store/tracking.js'
import type {ModelRegistry, Stores, TrackingStore} from './store.js'
import {parseTrackingUri} from './uri.js'

export const DEFAULT_TRACKING_URI = './mlruns'

export interface OpenStoresOptions {
  /** Overrides MLFLOW_TRACKING_URI. */
  trackingUri?: string
  /** Overrides MLFLOW_REGISTRY_URI. */
  registryUri?: string
  /** Relative file-store paths are resolved against this directory. */
  cwd: string
  env?: NodeJS.ProcessEnv
  reporter?: Reporter
}

export function openStores(options: OpenStoresOptions): Stores {
  const env = options.env ?? process.env
  const reporter = options.reporter ?? silentReporter
  const trackingUri = nonEmpty(options.trackingUri) ?? nonEmpty(env.MLFLOW_TRACKING_URI) ?? DEFAULT_TRACKING_URI
  const registryUri = nonEmpty(options.registryUri) ?? nonEmpty(env.MLFLOW_REGISTRY_URI) ?? trackingUri
  const tracking = parseTrackingUri(trackingUri, options.cwd)
  const registry = parseTrackingUri(registryUri, options.cwd)

  let trackingStore: TrackingStore
  let registryStore: ModelRegistry
  const sameFileRoot = tracking.kind === 'file' && registry.kind === 'file' && tracking.root === registry.root
  if (tracking.kind === 'file') {
    const root = new FileStoreRoot(tracking.root)
    trackingStore = new FileTrackingStore(root, env)
    if (sameFileRoot) registryStore = new FileModelRegistry(root)
  } else {
    trackingStore = new RestTrackingStore(new MlflowHttpClient(tracking.url, {env, reporter}), env)
  }
  registryStore ??= registry.kind === 'file'
    ? new FileModelRegistry(new FileStoreRoot(registry.root))
    : new RestModelRegistry(new MlflowHttpClient(registry.url, {env, reporter}))
  return {tracking: trackingStore, registry: registryStore, uri: trackingStore.uri}
}

function nonEmpty(value: string | undefined): string | undefined {
  return value && value.trim() !== '' ? value.trim() : undefined
}
