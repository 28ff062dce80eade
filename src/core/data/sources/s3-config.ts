import type {S3ClientConfig} from '@aws-sdk/client-s3'
import type {Reporter} from '../../reporter.js'

/** S3 client settings without the SDK itself: the serving path imports this, never the SDK (see image builds). */
export interface S3DownloadOptions {
  env: NodeJS.ProcessEnv
  timeoutMs: number
  retries: number
  signal?: AbortSignal
  reporter?: Reporter
}

/**
 * The S3 client settings for a download. A custom endpoint (AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL:
 * MinIO, LocalStack, Ceph...) is addressed path-style (`GET /bucket/key`), as those servers expect.
 * Credentials come from the environment given, else from the SDK's default chain (profile, SSO, web
 * identity, container and instance roles).
 */
export function s3ClientConfig(options: S3DownloadOptions): S3ClientConfig {
  const {env} = options
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || (endpoint ? 'us-east-1' : undefined)
  const credentials =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN || undefined}
      : undefined
  return {
    ...(region ? {region} : {}),
    ...(endpoint ? {endpoint, forcePathStyle: true} : {followRegionRedirects: true}),
    ...(credentials ? {credentials} : {}),
    maxAttempts: options.retries + 1,
    requestHandler: {connectionTimeout: options.timeoutMs, socketTimeout: options.timeoutMs},
  }
}
