/** Validation and normalization of what callers log, shared by the file and REST stores. */
import {UserError} from '../errors.js'
import {redactUrls} from '../redact.js'
import {formatParamValue} from './file-store/values.js'
import {validateKey, validateValueLength} from './names.js'
import type {MetricInput, ParamValue} from './store.js'

/** Param and tag values are stored with URL credentials redacted: runs are shared, copied and uploaded. */
export function normalizeParams(params: Record<string, ParamValue>): Array<[string, string]> {
  return Object.entries(params).map(([key, value]) => {
    validateKey('param', key)
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new UserError(`param '${key}' must be a string, number or boolean (got ${value === null ? 'null' : typeof value}); flatten objects first`)
    }
    const text = redactUrls(formatParamValue(value))
    validateValueLength('param', key, text)
    return [key, text]
  })
}

export function normalizeTags(tags: Record<string, string>): Array<[string, string]> {
  return Object.entries(tags).map(([key, value]) => {
    validateKey('tag', key)
    if (typeof value !== 'string') throw new UserError(`tag '${key}' must be a string (got ${typeof value})`)
    const text = redactUrls(value)
    validateValueLength('tag', key, text)
    return [key, text]
  })
}

export function normalizeMetrics(metrics: MetricInput[], now = Date.now()): Array<Required<MetricInput>> {
  return metrics.map(m => {
    validateKey('metric', m.key)
    if (typeof m.value !== 'number') throw new UserError(`metric '${m.key}' must be a number (got ${typeof m.value})`)
    const step = m.step ?? 0
    const timestamp = m.timestamp ?? now
    if (!Number.isSafeInteger(step)) throw new UserError(`metric '${m.key}': step must be an integer (got ${step})`)
    if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new UserError(`metric '${m.key}': timestamp must be milliseconds since the epoch (got ${timestamp})`)
    return {key: m.key, value: m.value, step, timestamp}
  })
}

/**
 * Flattens nested params into MLflow's dotted keys: {featurize: {max_features: 5}} → {'featurize.max_features': 5}.
 * Arrays and other non-scalars become JSON text.
 */
export function flattenParams(value: Record<string, unknown>, prefix = ''): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {}
  for (const [key, v] of Object.entries(value)) {
    const full = prefix ? `${prefix}.${key}` : key
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) Object.assign(out, flattenParams(v as Record<string, unknown>, full))
    else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[full] = v
    else out[full] = JSON.stringify(v) ?? 'null'
  }
  return out
}
