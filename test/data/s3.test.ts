import {randomUUID} from 'node:crypto'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'
import {ingest, readSplit} from '../../src/core/data/index.js'
import {s3ClientConfig} from '../../src/core/data/sources/s3.js'
import {DataError, EXIT_CODES, ExternalError, UserError} from '../../src/core/errors.js'
import {csvRows, failure, ingestParams, tempDir} from './helpers.js'

const ACCESS_KEY = 'AKIDSENTIOPSTEST'
const CSV = csvRows(30)
const objects = new Map<string, {body: string; type: string}>([
  ['reviews/bucket/data.csv', {body: CSV, type: 'text/csv'}],
  ['reviews/nested dir/r.jsonl', {body: '{"text": "s3 good", "label": 1}\n{"text": "s3 bad", "label": 0}\n{"text": "s3 fine", "label": 1}\n{"text": "s3 poor", "label": 0}\n', type: 'binary/octet-stream'}],
  ['reviews/flaky.csv', {body: CSV, type: 'text/csv'}],
])
const requests: {method: string; path: string; authorization: string; date?: string; sha?: string}[] = []
let flakyCalls = 0

function errorXml(code: string, message: string, resource: string): string {
  const id = randomUUID()
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><Resource>${resource}</Resource><RequestId>${id}</RequestId><HostId>${id}</HostId></Error>`
}

/**
 * (contract fake) S3 GetObject, path-style, as documented in the S3 API reference: `GET /{Bucket}/{Key}`
 * signed with SigV4 (Authorization: AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/s3/aws4_request, ...),
 * 200 with Content-Type, Content-Length, ETag and Last-Modified, and errors as XML
 * `<Error><Code>NoSuchKey|NoSuchBucket|AccessDenied|InternalError</Code>...` with the matching status.
 */
function fakeS3(request: http.IncomingMessage, response: http.ServerResponse): void {
  const url = new URL(request.url ?? '/', 'http://s3')
  const authorization = request.headers.authorization ?? ''
  requests.push({method: request.method ?? '', path: url.pathname, authorization, date: request.headers['x-amz-date'] as string, sha: request.headers['x-amz-content-sha256'] as string})
  const fail = (status: number, code: string, message: string) => {
    const body = errorXml(code, message, url.pathname)
    response.writeHead(status, {'content-type': 'application/xml', 'content-length': Buffer.byteLength(body), 'x-amz-request-id': 'fake'})
    response.end(body)
  }
  const scope = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([a-z0-9-]+)\/s3\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/.exec(authorization)
  if (!scope || !request.headers['x-amz-date'] || !request.headers['x-amz-content-sha256']) return fail(403, 'AccessDenied', 'Access Denied')
  if (scope[1] !== ACCESS_KEY) return fail(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.')
  if (request.method !== 'GET') return fail(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.')
  const [, bucket, ...rest] = url.pathname.split('/')
  const key = decodeURIComponent(rest.join('/'))
  if (bucket !== 'reviews') return fail(404, 'NoSuchBucket', 'The specified bucket does not exist')
  if (key === 'flaky.csv' && ++flakyCalls === 1) return fail(500, 'InternalError', 'We encountered an internal error. Please try again.')
  const object = objects.get(`${bucket}/${key}`)
  if (!object) return fail(404, 'NoSuchKey', 'The specified key does not exist.')
  response.writeHead(200, {
    'content-type': object.type,
    'content-length': Buffer.byteLength(object.body),
    etag: '"0123456789abcdef0123456789abcdef"',
    'last-modified': new Date(0).toUTCString(),
    'accept-ranges': 'bytes',
    'x-amz-request-id': 'fake',
  })
  response.end(object.body)
}

let server: http.Server
let endpoint = ''
const env = () => ({AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: ACCESS_KEY, AWS_SECRET_ACCESS_KEY: 'secret', AWS_REGION: 'eu-west-1'})

beforeAll(async () => {
  server = http.createServer(fakeS3)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise(resolve => server.close(resolve))
})

beforeEach(() => {
  requests.length = 0
})

describe('ingest from s3:// (contract fake)', () => {
  it('GETs the object path-style from AWS_ENDPOINT_URL with a SigV4 signature and reads it', async () => {
    const cwd = await tempDir()
    const {report, files} = await ingest(ingestParams({source: 's3://reviews/bucket/data.csv'}), {cwd, env: env()})
    expect(report.rowsRead).toBe(30)
    expect(await readSplit(files.test)).toHaveLength(6)
    expect(requests).toHaveLength(1)
    expect(requests[0].method).toBe('GET')
    expect(requests[0].path).toBe('/reviews/bucket/data.csv')
    expect(requests[0].authorization).toMatch(new RegExp(`Credential=${ACCESS_KEY}/\\d{8}/eu-west-1/s3/aws4_request`))
  })

  it('encodes keys with spaces and takes the format from the key', async () => {
    const cwd = await tempDir()
    const {report} = await ingest(ingestParams({source: 's3://reviews/nested dir/r.jsonl', test_size: 0.5}), {cwd, env: env()})
    expect(report.rowsRead).toBe(4)
    expect(requests[0].path).toBe('/reviews/nested%20dir/r.jsonl')
  })

  it('AWS_ENDPOINT_URL_S3 wins over AWS_ENDPOINT_URL; the region defaults to us-east-1 for a custom endpoint', async () => {
    const cwd = await tempDir()
    const custom = {AWS_ENDPOINT_URL_S3: endpoint, AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: ACCESS_KEY, AWS_SECRET_ACCESS_KEY: 'secret'}
    expect((await ingest(ingestParams({source: 's3://reviews/bucket/data.csv'}), {cwd, env: custom})).report.rowsRead).toBe(30)
    expect(requests[0].authorization).toContain('/us-east-1/s3/aws4_request')
  })

  it('NoSuchKey is a data error naming the object', async () => {
    const cwd = await tempDir()
    const error = await failure(() => ingest(ingestParams({source: 's3://reviews/missing.csv'}), {cwd, env: env()}))
    expect(error).toBeInstanceOf(DataError)
    expect(error.exitCode).toBe(EXIT_CODES.user)
    expect(error.message).toBe('s3://reviews/missing.csv: NoSuchKey (HTTP 404): The specified key does not exist; check the bucket and key in ingest.source')
  })

  it('NoSuchBucket is a data error too', async () => {
    const cwd = await tempDir()
    const error = await failure(() => ingest(ingestParams({source: 's3://other/data.csv'}), {cwd, env: env()}))
    expect(error).toBeInstanceOf(DataError)
    expect(error.message).toMatch(/^s3:\/\/other\/data\.csv: NoSuchBucket \(HTTP 404\)/)
  })

  it('rejected credentials point at the credentials', async () => {
    const cwd = await tempDir()
    const error = await failure(() => ingest(ingestParams({source: 's3://reviews/bucket/data.csv'}), {cwd, env: {...env(), AWS_ACCESS_KEY_ID: 'AKIDWRONG'}}))
    expect(error).toBeInstanceOf(UserError)
    expect(error.message).toMatch(/^s3:\/\/reviews\/bucket\/data\.csv: InvalidAccessKeyId \(HTTP 403\): .*; check the AWS credentials/)
  })

  it('the SDK retries a 500 InternalError', async () => {
    const cwd = await tempDir()
    flakyCalls = 0
    const {report} = await ingest(ingestParams({source: 's3://reviews/flaky.csv', retries: 2}), {cwd, env: env()})
    expect(report.rowsRead).toBe(30)
    expect(flakyCalls).toBe(2)
  })

  it('an unreachable endpoint is an external failure', async () => {
    const cwd = await tempDir()
    const error = await failure(() => ingest(ingestParams({source: 's3://reviews/bucket/data.csv', retries: 0, timeout_ms: 500}), {cwd, env: {...env(), AWS_ENDPOINT_URL: 'http://127.0.0.1:9'}}))
    expect(error).toBeInstanceOf(ExternalError)
    expect(error.message).toMatch(/^s3:\/\/reviews\/bucket\/data\.csv: /)
  })
})

describe('s3ClientConfig', () => {
  it('uses virtual-host style and region redirects on AWS, path style on a custom endpoint', () => {
    const aws = s3ClientConfig({env: {AWS_REGION: 'eu-central-1'}, timeoutMs: 1000, retries: 3})
    expect(aws).toMatchObject({region: 'eu-central-1', followRegionRedirects: true, maxAttempts: 4})
    expect(aws.endpoint).toBeUndefined()
    expect(aws.forcePathStyle).toBeUndefined()
    expect(aws.credentials).toBeUndefined() // the SDK's default chain
    const minio = s3ClientConfig({env: {AWS_ENDPOINT_URL: 'http://minio:9000', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b'}, timeoutMs: 1000, retries: 0})
    expect(minio).toMatchObject({endpoint: 'http://minio:9000', forcePathStyle: true, region: 'us-east-1', credentials: {accessKeyId: 'a', secretAccessKey: 'b'}})
  })
})
