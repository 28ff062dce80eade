import {DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client} from '@aws-sdk/client-s3'
import {ExternalError} from '../errors.js'
import {awsError, clientOptions, isAwsNotFound, requireCredentials, type AwsTarget} from './aws.js'

/** Another writer changed the object since it was read (HTTP 412/409 on a conditional write). */
export class WriteConflict extends Error {}

export interface StoredObject {
  body: string
  etag: string
}

/** Thin adapter over S3: the project's artifact prefix (list, delete) and the shared ledger object (conditional writes). */
export class S3Artifacts {
  private readonly client: S3Client

  constructor(readonly target: AwsTarget) {
    // Emulators and custom endpoints serve buckets by path, not by virtual host.
    this.client = new S3Client({...clientOptions(target), ...(target.endpoint ? {forcePathStyle: true} : {})})
  }

  async checkCredentials(): Promise<void> {
    await requireCredentials(this.client)
  }

  /** Keys under the prefix (empty when the bucket does not exist). */
  async list(bucket: string, prefix: string): Promise<string[]> {
    const keys: string[] = []
    let token: string | undefined
    try {
      do {
        const out = await this.client.send(new ListObjectsV2Command({Bucket: bucket, Prefix: prefix, ContinuationToken: token}))
        keys.push(...(out.Contents ?? []).map(o => o.Key!).filter(Boolean))
        token = out.IsTruncated ? out.NextContinuationToken : undefined
      } while (token)
    } catch (error) {
      if (isAwsNotFound(error)) return []
      throw awsError('S3 ListObjectsV2', `s3://${bucket}/${prefix}`, error)
    }
    return keys
  }

  /** Deletes every object under the prefix, 1000 per request; returns how many were deleted. */
  async deletePrefix(bucket: string, prefix: string): Promise<number> {
    const keys = await this.list(bucket, prefix)
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000)
      try {
        const out = await this.client.send(new DeleteObjectsCommand({Bucket: bucket, Delete: {Objects: batch.map(Key => ({Key})), Quiet: true}}))
        const failed = out.Errors?.[0]
        if (failed) throw new ExternalError(`AWS S3 DeleteObjects s3://${bucket}/${failed.Key}: ${failed.Code}: ${failed.Message}`)
      } catch (error) {
        if (error instanceof ExternalError) throw error
        throw awsError('S3 DeleteObjects', `s3://${bucket}/${prefix}`, error)
      }
    }
    return keys.length
  }

  /** The object's text and ETag, or undefined when it does not exist. */
  async read(bucket: string, key: string): Promise<StoredObject | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({Bucket: bucket, Key: key}))
      return {body: (await out.Body?.transformToString('utf8')) ?? '', etag: out.ETag ?? ''}
    } catch (error) {
      if ((error as {name?: string}).name === 'NoSuchKey') return undefined
      throw awsError('S3 GetObject', `s3://${bucket}/${key}`, error)
    }
  }

  /**
   * Writes the object only if it is still the version read (If-Match: etag), or only if it still does not
   * exist (If-None-Match: *) when `etag` is undefined. Returns the new ETag; throws WriteConflict otherwise.
   */
  async writeIfUnchanged(bucket: string, key: string, body: string, etag: string | undefined): Promise<string> {
    try {
      const out = await this.client.send(new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentType: 'application/json',
        ...(etag === undefined ? {IfNoneMatch: '*'} : {IfMatch: etag}),
      }))
      return out.ETag ?? ''
    } catch (error) {
      const status = (error as {$metadata?: {httpStatusCode?: number}}).$metadata?.httpStatusCode
      if (status === 412 || status === 409 || (etag !== undefined && status === 404)) throw new WriteConflict(`s3://${bucket}/${key} changed since it was read`)
      throw awsError('S3 PutObject', `s3://${bucket}/${key}`, error)
    }
  }

  destroy(): void {
    this.client.destroy()
  }
}
