import {DeleteObjectsCommand, ListObjectsV2Command, S3Client} from '@aws-sdk/client-s3'
import {ExternalError} from '../errors.js'
import {awsError, clientOptions, isAwsNotFound, requireCredentials, type AwsTarget} from './aws.js'

/** Thin adapter over S3 for the project's artifact prefix: list and delete, nothing else. */
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

  destroy(): void {
    this.client.destroy()
  }
}
