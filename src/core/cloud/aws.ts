import {ExternalError, UserError} from '../errors.js'
import type {CloudConfig} from './config.js'

/** Region and endpoint shared by the ECR, EKS and S3 adapters. */
export interface AwsTarget {
  region: string
  /** '' = AWS's own endpoints. */
  endpoint: string
}

export function awsTarget(cloud: Pick<CloudConfig, 'region' | 'endpoint_url'>): AwsTarget {
  return {region: cloud.region, endpoint: cloud.endpoint_url}
}

/** Constructor options for any AWS SDK v3 client. */
export function clientOptions(target: AwsTarget): {region: string; endpoint?: string; maxAttempts: number} {
  return {region: target.region, ...(target.endpoint ? {endpoint: target.endpoint} : {}), maxAttempts: 3}
}

const CREDENTIAL_HINTS = [
  'set AWS_PROFILE (see `aws configure`) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
  'in GitHub Actions, assume a role with aws-actions/configure-aws-credentials (OIDC)',
]

/** Resolves the SDK's credential chain once, so a missing login fails with one line before any work. */
export async function requireCredentials(client: {config: {credentials: () => Promise<unknown>}}): Promise<void> {
  try {
    await client.config.credentials()
  } catch (error) {
    throw new UserError(`no AWS credentials found (${firstLine(error)})`, {suggestions: CREDENTIAL_HINTS, cause: error})
  }
}

/** True for the SDK's "that object does not exist" errors. */
export function isAwsNotFound(error: unknown): boolean {
  const name = (error as {name?: string})?.name ?? ''
  return /NotFound|NoSuch/.test(name)
}

/** Turns an SDK error into one readable line naming the call and the service's own code. */
export function awsError(operation: string, target: string, error: unknown): ExternalError | UserError {
  const e = error as {name?: string; message?: string; $metadata?: {httpStatusCode?: number}}
  const status = e.$metadata?.httpStatusCode
  const code = e.name ?? 'Error'
  if (/CredentialsProviderError|UnrecognizedClientException|InvalidClientTokenId|ExpiredToken|InvalidSignature/.test(code)) {
    return new UserError(`AWS ${operation} ${target}: credentials were rejected (${code}: ${firstLine(error)})`, {suggestions: CREDENTIAL_HINTS, cause: error})
  }
  if (/AccessDenied/.test(code)) {
    return new UserError(`AWS ${operation} ${target}: access denied (${firstLine(error)})`, {
      suggestions: ['grant the role or user this action, or use a profile that has it'],
      cause: error,
    })
  }
  return new ExternalError(`AWS ${operation} ${target} failed: ${code}${status ? ` (HTTP ${status})` : ''}: ${firstLine(error)}`, {
    cause: error,
    data: {operation, target, code, status},
  })
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0]
}
