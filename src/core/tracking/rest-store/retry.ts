/**
 * MLflow's client retry conventions (spec §7): retry 408/429/500/502/503/504 and connection errors, up to
 * MLFLOW_HTTP_REQUEST_MAX_RETRIES (5, as in 2.x) times, waiting factor × 2^(n−1) s plus up to `jitter` s
 * (capped at 120 s) or what Retry-After asks; each attempt times out after MLFLOW_HTTP_REQUEST_TIMEOUT (120 s).
 */
import {UsageError} from '../../errors.js'

export const RETRYABLE_STATUSES = new Set([408, 429, 500, 502, 503, 504])
const MAX_BACKOFF_S = 120

export interface RetryPolicy {
  maxRetries: number
  backoffFactor: number
  jitter: number
  respectRetryAfter: boolean
  timeoutMs: number
}

export function retryPolicyFromEnv(env: NodeJS.ProcessEnv): RetryPolicy {
  return {
    maxRetries: envNumber(env, 'MLFLOW_HTTP_REQUEST_MAX_RETRIES', 5, true),
    backoffFactor: envNumber(env, 'MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR', 2),
    jitter: envNumber(env, 'MLFLOW_HTTP_REQUEST_BACKOFF_JITTER', 1),
    respectRetryAfter: (env.MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER ?? 'true').toLowerCase() !== 'false',
    timeoutMs: envNumber(env, 'MLFLOW_HTTP_REQUEST_TIMEOUT', 120) * 1000,
  }
}

function envNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, integer = false): number {
  const raw = env[name]
  if (raw === undefined || raw.trim() === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
    throw new UsageError(`${name}=${raw} is not a valid ${integer ? 'whole number' : 'number'} ≥ 0`)
  }
  return value
}

/** Milliseconds to wait before retry number `retry` (1-based). */
export function backoffMs(policy: RetryPolicy, retry: number, retryAfter?: string | null): number {
  if (policy.respectRetryAfter && retryAfter) {
    const seconds = parseRetryAfter(retryAfter)
    if (seconds !== undefined) return Math.min(seconds, MAX_BACKOFF_S) * 1000
  }
  const exponential = policy.backoffFactor * 2 ** (retry - 1)
  return Math.min(exponential + Math.random() * policy.jitter, MAX_BACKOFF_S) * 1000
}

function parseRetryAfter(value: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000)
}
