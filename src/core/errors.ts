/**
 * The small error taxonomy of sentiops. Core code throws these; the CLI maps `exitCode` to the process exit
 * code and prints `message` as one readable line (the stack only with --verbose).
 *
 * Exit codes (also listed in `sentiops --help`):
 *   0  success
 *   1  user-fixable problem: bad input data, bad params, missing file, unknown model
 *   2  usage: wrong flags or arguments
 *   3  promotion gate rejected the candidate model
 *   4  an external tool or service failed (docker, eksctl, kubectl, an HTTP/S3/MLflow endpoint)
 *   5  drift detected: `sentiops drift` ran and the data moved away from the training profile
 *   70 internal bug (an invariant broke): please report it
 */
export const EXIT_CODES = {
  ok: 0,
  user: 1,
  usage: 2,
  gateRejected: 3,
  external: 4,
  /** Not an error: `sentiops drift` prints its full report (status ok in --json) and exits with this code. */
  driftDetected: 5,
  bug: 70,
} as const

export interface ErrorOptions {
  /** Next steps shown under the message. */
  suggestions?: string[]
  cause?: unknown
  /** Machine-readable details for --json output. */
  data?: Record<string, unknown>
}

export class SentiopsError extends Error {
  override name = 'SentiopsError'
  readonly exitCode: number = EXIT_CODES.user
  readonly code: string = 'SENTIOPS_ERROR'
  readonly suggestions: string[]
  readonly data?: Record<string, unknown>

  constructor(message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.suggestions = options.suggestions ?? []
    this.data = options.data
  }
}

/** Something the user can fix: input data, params, paths, model names. */
export class UserError extends SentiopsError {
  override name = 'UserError'
  override readonly code: string = 'USER_ERROR'
}

/** A params.yaml / --set / environment value that does not fit the schema. */
export class ConfigError extends UserError {
  override name = 'ConfigError'
  override readonly code = 'CONFIG_INVALID'
}

/** Input data that cannot be read or does not make sense (bad CSV row, one class, unknown labels). */
export class DataError extends UserError {
  override name = 'DataError'
  override readonly code = 'DATA_INVALID'
}

/** Wrong flags or arguments (oclif's own parse errors also exit 2). */
export class UsageError extends SentiopsError {
  override name = 'UsageError'
  override readonly exitCode = EXIT_CODES.usage
  override readonly code = 'USAGE'
}

/** The promotion gate rejected a candidate: the version is registered but not promoted. */
export class GateRejectedError extends SentiopsError {
  override name = 'GateRejectedError'
  override readonly exitCode = EXIT_CODES.gateRejected
  override readonly code = 'GATE_REJECTED'
}

/** An external process or remote service failed (docker, eksctl, kubectl, HTTP, S3, MLflow REST). */
export class ExternalError extends SentiopsError {
  override name = 'ExternalError'
  override readonly exitCode = EXIT_CODES.external
  override readonly code: string = 'EXTERNAL_FAILED'
}

/** An invariant broke: a bug in sentiops. */
export class BugError extends SentiopsError {
  override name = 'BugError'
  override readonly exitCode = EXIT_CODES.bug
  override readonly code = 'BUG'
}

export function isSentiopsError(err: unknown): err is SentiopsError {
  return err instanceof SentiopsError
}
