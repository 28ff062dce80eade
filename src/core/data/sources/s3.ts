import type {Readable} from 'node:stream'
import {DataError, ExternalError, type SentiopsError, UserError} from '../../errors.js'
import {type S3DownloadOptions, s3ClientConfig} from './s3-config.js'
import {saveBody} from './save-body.js'

export {type S3DownloadOptions, s3ClientConfig} from './s3-config.js'

export interface S3Location {
  bucket: string
  key: string
}

/** GetObject streamed into the file `dest`; the SDK retries throttling, 5xx and network errors. */
export async function downloadS3(location: S3Location, dest: string, options: S3DownloadOptions): Promise<{contentType?: string; bytes: number}> {
  const where = `s3://${location.bucket}/${location.key}`
  // Loaded on demand: the SDK costs ~100 ms to import, which commands that never touch S3 should not pay.
  const {GetObjectCommand, S3Client} = await import('@aws-sdk/client-s3')
  const client = new S3Client(s3ClientConfig(options))
  try {
    const response = await client.send(new GetObjectCommand({Bucket: location.bucket, Key: location.key}), {abortSignal: options.signal})
    if (!response.Body) throw new ExternalError(`${where}: GetObject returned no body`)
    const total = response.ContentLength
    const bytes = await saveBody(response.Body as Readable, dest, where, total, options.reporter)
    if (total !== undefined && bytes !== total) throw new ExternalError(`${where}: the download stopped after ${bytes} of ${total} bytes`)
    return {contentType: response.ContentType, bytes}
  } catch (error) {
    throw s3Error(error, where, options)
  } finally {
    client.destroy()
  }
}

const NOT_FOUND = new Set(['NoSuchKey', 'NoSuchBucket', 'NotFound'])
const DENIED = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken', 'TokenRefreshRequired'])

function s3Error(error: unknown, where: string, options: S3DownloadOptions): unknown {
  if (error instanceof ExternalError || options.signal?.aborted) return error
  const e = error as Error & {$metadata?: {httpStatusCode?: number}; Code?: string}
  const status = e.$metadata?.httpStatusCode
  const code = e.name === 'Error' && e.Code ? e.Code : e.name
  const message = (e.message ?? '').replace(/\.$/, '')
  const detail = `${code}${status ? ` (HTTP ${status})` : ''}${message && message !== code ? `: ${message}` : ''}`
  const data = {uri: where, code, status}
  let result: SentiopsError
  if (NOT_FOUND.has(code) || status === 404) {
    result = new DataError(`${where}: ${detail}; check the bucket and key in ingest.source`, {cause: error, data})
  } else if (DENIED.has(code) || status === 403) {
    result = new UserError(`${where}: ${detail}; check the AWS credentials (AWS_PROFILE or AWS_ACCESS_KEY_ID) and the bucket policy`, {cause: error, data})
  } else if (code === 'CredentialsProviderError') {
    result = new UserError(`${where}: no AWS credentials found; set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`, {cause: error, data})
  } else if (/region is missing/i.test(e.message ?? '')) {
    result = new UserError(`${where}: no AWS region configured; set AWS_REGION`, {cause: error, data})
  } else {
    result = new ExternalError(`${where}: ${detail}`, {cause: error, data})
  }
  return result
}
