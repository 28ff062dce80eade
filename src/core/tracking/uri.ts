/**
 * The one parser for model references (`models:/…`, `runs:/…`, paths) and for tracking URIs (file or http).
 */
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {UsageError, UserError} from '../errors.js'
import {redactUrl} from '../redact.js'
import {isStageName, normalizeStage, validateModelName, validateRunId} from './names.js'
import type {Stage} from './store.js'

export type ModelUri =
  | {kind: 'path'; path: string}
  | {kind: 'alias'; name: string; alias: string}
  | {kind: 'stage'; name: string; stage: Stage}
  | {kind: 'version'; name: string; version: string}
  | {kind: 'latest'; name: string}
  | {kind: 'run'; runId: string; path: string}

const MODELS = 'models:/'
const RUNS = 'runs:/'

/**
 * `models:/name@alias`, `models:/name/Staging` (any case), `models:/name/3`, `models:/name/latest`,
 * `runs:/<run_id>/path`, `file:///abs/path` and plain paths. A plain path is returned as written (relative paths
 * are resolved later against the caller's cwd).
 */
export function parseModelUri(input: string): ModelUri {
  const s = String(input ?? '').trim()
  if (s === '') throw new UsageError('model reference is empty: give a path or a URI such as models:/sentiment@champion')
  if (s.startsWith(MODELS)) return parseModelsUri(s)
  if (s.startsWith(RUNS)) return parseRunsUri(s)
  if (s.startsWith('file:')) return {kind: 'path', path: fileUriToPath(s)}
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s) || /^(models|runs):/i.test(s)) {
    throw new UsageError(`unsupported model reference '${s}': use a local path, models:/NAME@ALIAS, models:/NAME/STAGE, models:/NAME/VERSION, models:/NAME/latest or runs:/RUN_ID/PATH`)
  }
  return {kind: 'path', path: s}
}

function parseModelsUri(s: string): ModelUri {
  const rest = s.slice(MODELS.length).replace(/^\/+/, '')
  const at = rest.indexOf('@')
  if (at >= 0) {
    const name = rest.slice(0, at)
    const alias = rest.slice(at + 1)
    checkName(name, s)
    if (!/^[\w-]+$/.test(alias)) throw new UsageError(`invalid alias in '${s}': expected models:/NAME@ALIAS with ALIAS made of letters, digits, '_' or '-'`)
    return alias.toLowerCase() === 'latest' ? {kind: 'latest', name} : {kind: 'alias', name, alias}
  }
  const parts = rest.split('/')
  if (parts.length !== 2 || parts[1] === '') {
    throw new UsageError(`'${s}' needs a version, stage or alias: models:/NAME/3, models:/NAME/Production, models:/NAME/latest or models:/NAME@ALIAS`)
  }
  const [name, selector] = parts
  checkName(name, s)
  if (/^\d+$/.test(selector)) {
    if (/^0+$/.test(selector)) throw new UsageError(`'${s}': model versions start at 1`)
    return {kind: 'version', name, version: String(Number.parseInt(selector, 10))}
  }
  if (selector.toLowerCase() === 'latest') return {kind: 'latest', name}
  if (!isStageName(selector)) {
    throw new UsageError(`'${s}': '${selector}' is neither a version number, 'latest', nor a stage (None, Staging, Production, Archived)`)
  }
  return {kind: 'stage', name, stage: normalizeStage(selector)}
}

function parseRunsUri(s: string): ModelUri {
  const rest = s.slice(RUNS.length).replace(/^\/+/, '')
  const slash = rest.indexOf('/')
  const runId = slash < 0 ? rest : rest.slice(0, slash)
  const artifactPath = slash < 0 ? '' : rest.slice(slash + 1).replace(/\/+$/, '')
  try {
    validateRunId(runId)
  } catch {
    throw new UsageError(`'${s}': expected runs:/RUN_ID/ARTIFACT_PATH with a run id of letters, digits, '_' or '-'`)
  }
  checkArtifactPath(artifactPath, s)
  return {kind: 'run', runId, path: artifactPath}
}

function checkName(name: string, uri: string): void {
  try {
    validateModelName(name)
  } catch (error) {
    throw new UsageError(`'${uri}': ${(error as Error).message}`)
  }
}

/** Run-relative artifact paths: POSIX, relative, no '..' (the file store joins them onto disk paths). */
export function checkArtifactPath(artifactPath: string, context: string): void {
  if (artifactPath === '') return
  const segments = artifactPath.split('/')
  if (artifactPath.startsWith('/') || segments.some(seg => seg === '..' || seg === '.' || seg === '') || artifactPath.includes('\\')) {
    throw new UsageError(`'${context}': artifact path '${artifactPath}' must be relative, with '/' separators and no '.' or '..'`)
  }
}

export function formatModelUri(uri: ModelUri): string {
  switch (uri.kind) {
    case 'path': return uri.path
    case 'alias': return `models:/${uri.name}@${uri.alias}`
    case 'stage': return `models:/${uri.name}/${uri.stage}`
    case 'version': return `models:/${uri.name}/${uri.version}`
    case 'latest': return `models:/${uri.name}/latest`
    case 'run': return `runs:/${uri.runId}/${uri.path}`
  }
}

/** `file:///abs/path` (percent-encoded like Python's Path.as_uri) for an absolute path. */
export function pathToFileUri(absPath: string): string {
  return pathToFileURL(absPath).href
}

/**
 * The local folder behind an artifact URI that the client reads and writes itself: a `file:` URI or a
 * schemeless absolute path (what a server started with `--default-artifact-root /abs/path` hands out).
 * Undefined for every other scheme (mlflow-artifacts:, s3:, ...).
 */
export function localArtifactPath(uri: string): string | undefined {
  if (uri.startsWith('file:')) return fileUriToPath(uri)
  if (path.posix.isAbsolute(uri) || /^[a-z]:[\\/]/i.test(uri)) return path.resolve(uri)
  return undefined
}

export function fileUriToPath(uri: string): string {
  try {
    return fileURLToPath(uri)
  } catch {
    throw new UserError(`invalid file URI '${uri}': expected file:///absolute/path`)
  }
}

export type TrackingLocation =
  | {kind: 'file'; root: string}
  | {kind: 'http'; url: URL}

/**
 * Classifies a tracking URI: a plain path or file: URI is the file store (relative paths resolved against `cwd`),
 * http(s) is a tracking server. Other MLflow backends (sqlite:, postgresql:, databricks) are not supported.
 */
export function parseTrackingUri(uri: string, cwd: string): TrackingLocation {
  const s = uri.trim()
  if (s === '') throw new UsageError('tracking URI is empty: use a directory such as ./mlruns or an http(s):// MLflow server')
  if (/^https?:\/\//i.test(s)) {
    let url: URL
    try {
      url = new URL(s)
    } catch {
      throw new UsageError(`invalid tracking URI '${maskUri(s)}'`)
    }
    return {kind: 'http', url}
  }
  if (s.startsWith('file:')) return {kind: 'file', root: fileUriToPath(s)}
  if (/^[a-z][a-z0-9+.-]+:/i.test(s) && !/^[a-z]:[\\/]/i.test(s)) {
    throw new UsageError(`unsupported tracking URI '${maskUri(s)}': sentiops supports a local directory (./mlruns, file:///abs/mlruns) or an http(s):// MLflow server`)
  }
  return {kind: 'file', root: path.resolve(cwd, s)}
}

/** A tracking URI safe to print: the shared redaction (userinfo and secret query parameters hidden). */
export const maskUri = redactUrl

