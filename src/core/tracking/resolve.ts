/**
 * Turns any model reference into a local bundle directory: plain paths as they are, `models:/` through the
 * registry (spec §2.5), `runs:/` through the run's artifact root. Artifacts on this machine (file: URIs and the
 * plain paths of a server with a local artifact root) are used in place;
 * remote ones are downloaded once into a cache keyed by their (immutable) location.
 */
import {createHash} from 'node:crypto'
import {stat} from 'node:fs/promises'
import {homedir} from 'node:os'
import path from 'node:path'
import {UserError} from '../errors.js'
import {NotFoundError} from './errors.js'
import type {ModelVersion, Stores} from './store.js'
import {formatModelUri, localArtifactPath, parseModelUri, type ModelUri} from './uri.js'
import {writeDirAtomic} from '../fs/atomic.js'

export interface ResolvedModel {
  /** Local directory of the model bundle. */
  dir: string
  name?: string
  version?: string
  alias?: string
  stage?: string
  runId?: string
}

export interface ResolveOptions {
  cwd: string
  /** Where downloaded models are kept (default $SENTIOPS_CACHE_DIR, else $XDG_CACHE_HOME/sentiops, else ~/.cache/sentiops). */
  cacheDir?: string
  env?: NodeJS.ProcessEnv
}

export async function resolveModel(uri: string, stores: Stores, options: ResolveOptions): Promise<ResolvedModel> {
  const parsed = parseModelUri(uri)
  if (parsed.kind === 'path') {
    const dir = path.resolve(options.cwd, parsed.path)
    if (!(await isDirectory(dir))) throw new UserError(`model directory not found: ${dir}`, {suggestions: ['run `sentiops train` first, or pass --model with a bundle directory or a models:/ URI']})
    return {dir}
  }
  if (parsed.kind === 'run') {
    const dir = await fetchRunArtifact(stores, parsed.runId, parsed.path, options)
    return {dir, runId: parsed.runId}
  }
  const version = await findVersion(stores, parsed)
  const dir = await fetchVersion(stores, version, options)
  return {
    dir,
    name: version.name,
    version: version.version,
    ...(parsed.kind === 'alias' ? {alias: parsed.alias} : {}),
    stage: version.currentStage,
    ...(version.runId ? {runId: version.runId} : {}),
  }
}

/** The registry version a `models:/` reference points at now. */
export async function findVersion(stores: Stores, ref: Exclude<ModelUri, {kind: 'path'} | {kind: 'run'}>): Promise<ModelVersion> {
  const {registry} = stores
  switch (ref.kind) {
    case 'version':
      return registry.getModelVersion(ref.name, ref.version)
    case 'alias':
      return registry.getVersionByAlias(ref.name, ref.alias)
    case 'latest': {
      // The highest version number in any stage, Archived and None included (spec §2.5).
      const versions = await registry.searchModelVersions(ref.name)
      if (versions.length === 0) throw new NotFoundError(`registered model '${ref.name}' has no versions yet (${formatModelUri(ref)})`)
      return versions.reduce((a, b) => (Number(b.version) > Number(a.version) ? b : a))
    }
    case 'stage': {
      const latest = await registry.getLatestVersions(ref.name, [ref.stage])
      const found = latest.filter(v => v.currentStage === ref.stage).sort((a, b) => Number(b.version) - Number(a.version))[0]
      if (!found) throw new NotFoundError(`no version of registered model '${ref.name}' is in stage ${ref.stage} (${formatModelUri(ref)})`)
      return found
    }
  }
}

async function fetchVersion(stores: Stores, version: ModelVersion, options: ResolveOptions): Promise<string> {
  const location = version.storageLocation || version.source
  const label = `version ${version.version} of '${version.name}'`
  if (location.startsWith('runs:/')) {
    const ref = parseModelUri(location)
    if (ref.kind !== 'run') throw new UserError(`${label} has an unreadable source '${location}'`)
    return fetchRunArtifact(stores, ref.runId, ref.path, options)
  }
  const local = localArtifactPath(location)
  if (local) {
    if (await isDirectory(local)) return local
    if (!version.runId) throw new NotFoundError(`${label} points at ${location}, which does not exist on this machine`)
  }
  // mlflow-artifacts:/…, s3://… (or a local path of another machine): download through the run that produced it.
  if (version.runId) {
    const {info} = await stores.tracking.getRun(version.runId)
    const root = info.artifactUri.replace(/\/+$/, '')
    if (location.startsWith(`${root}/`) || location === root) {
      return fetchRunArtifact(stores, version.runId, location.slice(root.length).replace(/^\/+/, ''), options)
    }
  }
  throw new UserError(`cannot download ${label} from '${location}': sentiops reads runs:/ sources and the artifact locations of the run that produced the version`)
}

async function fetchRunArtifact(stores: Stores, runId: string, artifactPath: string, options: ResolveOptions): Promise<string> {
  const {info} = await stores.tracking.getRun(runId)
  const localRoot = localArtifactPath(info.artifactUri)
  if (localRoot) {
    const dir = path.join(localRoot, ...artifactPath.split('/').filter(Boolean))
    if (await isDirectory(dir)) return dir
    if (stores.uri.startsWith('file:')) throw new NotFoundError(`artifact '${artifactPath}' not found in run ${runId} (${dir})`)
  }
  const key = createHash('sha256').update(`${stores.uri}\n${info.artifactUri}\n${artifactPath}`).digest('hex').slice(0, 24)
  const target = path.join(cacheRoot(options), 'models', key)
  const dir = artifactPath ? path.join(target, ...artifactPath.split('/')) : target
  // The cache entry appears complete (renamed into place) or not at all, so its presence means it is whole.
  if (await isDirectory(dir)) return dir
  await writeDirAtomic(target, async tmp => {
    await stores.tracking.downloadArtifacts(runId, artifactPath, tmp)
  })
  return dir
}

function cacheRoot(options: ResolveOptions): string {
  const env = options.env ?? process.env
  if (options.cacheDir) return path.resolve(options.cwd, options.cacheDir)
  if (env.SENTIOPS_CACHE_DIR) return path.resolve(options.cwd, env.SENTIOPS_CACHE_DIR)
  return path.join(env.XDG_CACHE_HOME || path.join(env.HOME || homedir(), '.cache'), 'sentiops')
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory()
  } catch {
    return false
  }
}
