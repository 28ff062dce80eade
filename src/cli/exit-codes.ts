/** The exit-code table shown in every command's help and in `sentiops --help` (kept import-free: help loads it). */
export const EXIT_CODE_HELP = `EXIT CODES
  0   success
  1   user-fixable problem (bad data, params, paths, unknown model)
  2   usage error (flags, arguments)
  3   promotion gate rejected the candidate
  4   an external tool or service failed (docker, eksctl, kubectl, HTTP, S3, MLflow)
  5   drift detected (sentiops drift)
  70  internal error (a bug: please report it with --verbose output)`
