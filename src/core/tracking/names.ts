/**
 * MLflow's naming rules (spec §1.2–§2.4). The file store uses names as path components, so every name is
 * checked before it touches the disk; the REST store checks the same rules to fail before a round trip.
 */
import {UsageError, UserError} from '../errors.js'
import {STAGES, type Stage} from './store.js'

export const MAX_KEY_LENGTH = 250
export const MAX_PARAM_VALUE_LENGTH = 6000
/** 5000 on MLflow 2.12 (8000 on 3.x): stay within the smaller limit. */
export const MAX_TAG_VALUE_LENGTH = 5000
export const MAX_EXPERIMENT_NAME_LENGTH = 500
export const MAX_ALIAS_LENGTH = 255

const KEY_CHARS = /^[\w\-. /:]+$/
const RUN_ID = /^[a-zA-Z0-9][\w-]{0,255}$/
const EXPERIMENT_ID = /^[a-zA-Z0-9][\w-]{0,63}$/
const ALIAS = /^[\w-]+$/

export type KeyKind = 'metric' | 'param' | 'tag'

/** Metric, param and tag keys: MLflow's characters, ≤ 250 chars, and unchanged by POSIX path normalization. */
export function validateKey(kind: KeyKind, key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new UserError(`${kind} key must be a non-empty string`)
  if (key.length > MAX_KEY_LENGTH) throw new UserError(`${kind} key '${key.slice(0, 40)}…' is longer than ${MAX_KEY_LENGTH} characters`)
  if (!KEY_CHARS.test(key)) {
    throw new UserError(`${kind} key '${key}' has characters MLflow does not allow: use letters, digits, _ - . / : and spaces`)
  }
  const segments = key.split('/')
  if (key.startsWith('/') || key.endsWith('/') || segments.some(s => s === '' || s === '.' || s === '..')) {
    throw new UserError(`${kind} key '${key}' is not a clean relative path (no leading or trailing '/', no '//', '.' or '..')`)
  }
}

export function validateValueLength(kind: 'param' | 'tag', key: string, value: string): void {
  const max = kind === 'param' ? MAX_PARAM_VALUE_LENGTH : MAX_TAG_VALUE_LENGTH
  if (value.length > max) throw new UserError(`${kind} '${key}' has a value of ${value.length} characters; MLflow allows at most ${max}`)
}

export function validateRunId(runId: string): void {
  if (typeof runId !== 'string' || !RUN_ID.test(runId)) throw new UserError(`invalid run id '${runId}': expected letters, digits, '_' or '-' (e.g. a 32-hex MLflow run id)`)
}

export function validateExperimentId(id: string): void {
  if (typeof id !== 'string' || !EXPERIMENT_ID.test(id)) throw new UserError(`invalid experiment id '${id}'`)
}

export function validateExperimentName(name: string): void {
  if (typeof name !== 'string' || name.trim() === '') throw new UserError('experiment name must not be empty')
  if (name.length > MAX_EXPERIMENT_NAME_LENGTH) throw new UserError(`experiment name is longer than ${MAX_EXPERIMENT_NAME_LENGTH} characters`)
}

/**
 * Registered model names become directory names: no path separators, no '%' (MLflow's rules), and no '@'
 * because `models:/name@alias` could not tell the two apart.
 */
export function validateModelName(name: string): void {
  if (typeof name !== 'string' || name.trim() === '') throw new UserError('registered model name must not be empty')
  if (/[/\\%@\0]/.test(name) || name === '.' || name === '..' || name.length > 256) {
    throw new UserError(`invalid registered model name '${name}': no '/', '\\', '%' or '@', at most 256 characters`)
  }
}

export function validateVersion(version: string): void {
  if (!/^[1-9]\d{0,9}$/.test(String(version))) throw new UserError(`invalid model version '${version}': expected a positive integer such as 3`)
}

/** Aliases: word characters and '-', ≤ 255, not `latest`, not `v<digits>` (both reserved by MLflow). */
export function validateAlias(alias: string): void {
  if (typeof alias !== 'string' || !ALIAS.test(alias) || alias.length > MAX_ALIAS_LENGTH) {
    throw new UsageError(`invalid alias '${alias}': use letters, digits, '_' or '-' (at most ${MAX_ALIAS_LENGTH})`)
  }
  if (alias.toLowerCase() === 'latest') throw new UsageError(`the alias 'latest' is reserved by MLflow: models:/name/latest already means the newest version`)
  if (/^v\d+$/i.test(alias)) throw new UsageError(`the alias '${alias}' is reserved by MLflow (v<number> names a version)`)
}

/** Stage names are case-insensitive on input and canonical on output; anything else is a usage error. */
export function normalizeStage(stage: string): Stage {
  const found = STAGES.find(s => s.toLowerCase() === String(stage).trim().toLowerCase())
  if (!found) throw new UsageError(`unknown stage '${stage}': use one of ${STAGES.join(', ')}`)
  return found
}

export function isStageName(value: string): boolean {
  return STAGES.some(s => s.toLowerCase() === value.toLowerCase())
}
