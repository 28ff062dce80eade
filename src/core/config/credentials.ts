import {ConfigError} from '../errors.js'
import {urlCredentials} from '../redact.js'

/**
 * Params are written into dvc.lock, MLflow runs and logs, and usually committed: a URL in them must not carry
 * a password, a token or a presigned signature. This names the supported ways instead.
 */
export const CREDENTIAL_WAYS = [
  'http(s) sources: a ~/.netrc entry (machine HOST login USER password SECRET) or a file named by NETRC',
  's3:// sources: the AWS credential chain (AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, SSO, instance roles) with an s3://bucket/key URI instead of a presigned URL',
  'MLflow tracking URIs: MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, or MLFLOW_TRACKING_TOKEN (in a cluster: cloud.deploy.secret_env)',
]

/** Throws when any string under `value` (a params section) holds a URL with credentials. */
export function refuseUrlCredentials(value: unknown, keyPath: string, origin: string): void {
  if (typeof value === 'string') {
    const [found] = urlCredentials(value)
    if (found) {
      throw new ConfigError(
        `${origin}: ${keyPath} = ${found.url} carries ${found.what.join(' and ')}; credentials never go in params (they end up in dvc.lock, runs and logs): give them through the environment or .netrc instead`,
        {suggestions: CREDENTIAL_WAYS, data: {key: keyPath, url: found.url}},
      )
    }
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => refuseUrlCredentials(item, `${keyPath}[${i}]`, origin))
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) refuseUrlCredentials(item, `${keyPath}.${key}`, origin)
  }
}
