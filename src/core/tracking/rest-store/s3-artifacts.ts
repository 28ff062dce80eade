/**
 * Run artifacts under an `s3://bucket/prefix` root (a server started with `--default-artifact-root s3://…`): this
 * client writes and reads them with the AWS SDK, as MLflow's own client does (spec §8). Credentials come from the
 * SDK's chain; AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL point it at MinIO, LocalStack or moto.
 */
import type {S3Client} from '@aws-sdk/client-s3'
import path from 'node:path'
import {readFile} from 'node:fs/promises'
import {writeDirAtomic, writeFileAtomic} from '../../fs/atomic.js'
import {ExternalError, UserError} from '../../errors.js'
import {s3ClientConfig} from '../../data/sources/s3-config.js'
import {NotFoundError} from '../errors.js'

export interface S3Root {
  bucket: string
  /** Key prefix without leading or trailing '/'. */
  prefix: string
}

export interface ArtifactFile {
  from: string
  /** Path relative to the run's artifact root. */
  rel: string
  contentType: string
}

export function parseS3Uri(uri: string): S3Root {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/i.exec(uri)
  if (!m || m[1] === '') throw new UserError(`invalid S3 artifact URI '${uri}': expected s3://bucket/prefix`)
  return {bucket: m[1], prefix: m[2].replace(/^\/+|\/+$/g, '')}
}

type S3Sdk = typeof import('./s3-sdk.js')
/**
 * Loaded on demand (~100 ms to import, which runs with other artifact roots should not pay), through a
 * specifier the image's file tracer cannot follow: see ./s3-sdk.ts.
 */
const loadS3Sdk = (specifier = './s3-sdk.js'): Promise<S3Sdk> => import(specifier) as Promise<S3Sdk>

export class S3ArtifactStore {
  constructor(private readonly env: NodeJS.ProcessEnv) {}

  async upload(rootUri: string, files: ArtifactFile[]): Promise<void> {
    const root = parseS3Uri(rootUri)
    const {PutObjectCommand} = await loadS3Sdk()
    await this.withClient(async client => {
      for (const f of files) {
        const key = joinKey(root.prefix, f.rel)
        try {
          await client.send(new PutObjectCommand({Bucket: root.bucket, Key: key, Body: await readFile(f.from), ContentType: f.contentType}))
        } catch (error) {
          throw this.failure(error, `s3://${root.bucket}/${key}`, 'write')
        }
      }
    })
  }

  /** Copies the file or folder `artifactPath` under `rootUri` to `dest`. */
  async download(rootUri: string, artifactPath: string, dest: string, runId: string): Promise<void> {
    const root = parseS3Uri(rootUri)
    const {GetObjectCommand, ListObjectsV2Command} = await loadS3Sdk()
    const base = joinKey(root.prefix, artifactPath)
    await this.withClient(async client => {
      const get = async (key: string): Promise<Uint8Array> => {
        try {
          const out = await client.send(new GetObjectCommand({Bucket: root.bucket, Key: key}))
          return await out.Body!.transformToByteArray()
        } catch (error) {
          throw this.failure(error, `s3://${root.bucket}/${key}`, 'read', runId)
        }
      }
      const keys: string[] = []
      let token: string | undefined
      try {
        do {
          const out = await client.send(new ListObjectsV2Command({Bucket: root.bucket, Prefix: base ? `${base}/` : '', ContinuationToken: token}))
          keys.push(...(out.Contents ?? []).map(o => o.Key ?? '').filter(Boolean))
          token = out.IsTruncated ? out.NextContinuationToken : undefined
        } while (token)
      } catch (error) {
        throw this.failure(error, `s3://${root.bucket}/${base}`, 'read', runId)
      }
      // No key below it: the artifact is a single file (or missing, which GetObject reports).
      if (keys.length === 0) return writeFileAtomic(dest, await get(base))
      await writeDirAtomic(dest, async dir => {
        for (const key of keys) await writeFileAtomic(path.join(dir, ...key.slice(base ? base.length + 1 : 0).split('/')), await get(key))
      })
    })
  }

  private async withClient(work: (client: S3Client) => Promise<void>): Promise<void> {
    const {S3Client} = await loadS3Sdk()
    const client = new S3Client({region: 'us-east-1', ...s3ClientConfig({env: this.env, timeoutMs: 60_000, retries: 2})})
    try {
      await work(client)
    } finally {
      client.destroy()
    }
  }

  /** One line naming the S3 URI and what to do about it. */
  private failure(error: unknown, uri: string, action: 'read' | 'write', runId?: string): Error {
    const e = error as Error & {Code?: string; code?: string; $metadata?: {httpStatusCode?: number}; cause?: {code?: string}}
    const code = e.name === 'Error' && e.Code ? e.Code : e.name
    const status = e.$metadata?.httpStatusCode
    const endpoint = this.env.AWS_ENDPOINT_URL_S3 || this.env.AWS_ENDPOINT_URL
    const data = {uri, code, status}
    if (code === 'NoSuchKey' || (code === 'NotFound' && status === 404)) {
      return new NotFoundError(`artifact ${uri} not found${runId ? ` (run ${runId})` : ''}`, {cause: error, data})
    }
    if (code === 'NoSuchBucket') {
      return new UserError(`cannot ${action} ${uri}: bucket does not exist${endpoint ? ` at ${endpoint}` : ''}; create it, or check the server's --default-artifact-root and AWS_ENDPOINT_URL`, {cause: error, data})
    }
    if (code === 'CredentialsProviderError') {
      return new UserError(`cannot ${action} ${uri}: no AWS credentials found; this server keeps artifacts on S3 and its clients write there themselves: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`, {cause: error, data})
    }
    if (/AccessDenied|InvalidAccessKeyId|SignatureDoesNotMatch|ExpiredToken|InvalidToken/.test(code) || status === 403) {
      return new UserError(`cannot ${action} ${uri}: ${code} (HTTP ${status ?? 403}); check the AWS credentials (AWS_PROFILE or AWS_ACCESS_KEY_ID) and the bucket policy`, {cause: error, data})
    }
    const network = e.cause?.code ?? e.code ?? (/ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|ECONNRESET/.exec(e.message ?? '')?.[0])
    if (network && !status) {
      return new ExternalError(`cannot reach S3 to ${action} ${uri} (${network}${endpoint ? ` at ${endpoint}` : ''}): check AWS_ENDPOINT_URL and the network`, {cause: error, data})
    }
    return new ExternalError(`cannot ${action} ${uri}: ${code}${status ? ` (HTTP ${status})` : ''}: ${(e.message ?? '').split('\n')[0]}`, {cause: error, data})
  }
}

function joinKey(prefix: string, rel: string): string {
  return [prefix, rel].filter(Boolean).join('/')
}
