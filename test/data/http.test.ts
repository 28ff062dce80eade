import {readdirSync} from 'node:fs'
import {readdir} from 'node:fs/promises'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ingest, readSplit} from '../../src/core/data/index.js'
import {redactUrl} from '../../src/core/redact.js'
import {DataError, EXIT_CODES, ExternalError} from '../../src/core/errors.js'
import {csvRows, failure, ingestParams, recordingReporter, tempDir} from './helpers.js'

const CSV = csvRows(40)
const hits = new Map<string, number>()
let base = ''
let server: http.Server

/** A small origin server: each path plays one behaviour. */
function handle(request: http.IncomingMessage, response: http.ServerResponse): void {
  const url = new URL(request.url ?? '/', 'http://x')
  const count = (hits.get(url.pathname) ?? 0) + 1
  hits.set(url.pathname, count)
  const ok = (body: string, type = 'text/csv') => {
    response.writeHead(200, {'content-type': type, 'content-length': Buffer.byteLength(body)})
    response.end(body)
  }
  switch (url.pathname) {
    case '/data.csv':
      return ok(CSV)
    case '/export': // no extension: the Content-Type decides
      return ok(CSV.split('\n').slice(1, -1).map(line => JSON.stringify({text: line.split(',')[0], label: Number(line.split(',')[1])})).join('\n'), 'application/x-ndjson')
    case '/flaky.csv':
      if (count <= 2) {
        response.writeHead(503).end('busy')
        return
      }
      return ok(CSV)
    case '/limited.csv':
      if (count === 1) {
        response.writeHead(429, {'retry-after': '0'}).end()
        return
      }
      return ok(CSV)
    case '/moved':
      response.writeHead(302, {location: '/data.csv'}).end()
      return
    case '/stall.csv': // first time: headers and half the body, then silence
      if (count === 1) {
        response.writeHead(200, {'content-type': 'text/csv', 'content-length': Buffer.byteLength(CSV)})
        response.write(CSV.slice(0, 100))
        return
      }
      return ok(CSV)
    case '/cut.csv': // first time: the connection drops before Content-Length bytes arrived
      if (count === 1) {
        response.writeHead(200, {'content-type': 'text/csv', 'content-length': Buffer.byteLength(CSV)})
        response.write(CSV.slice(0, 100), () => response.socket?.destroy())
        return
      }
      return ok(CSV)
    case '/hang.csv':
      return // never answers
    case '/down.csv':
      response.writeHead(500).end()
      return
    default:
      response.writeHead(404, {'content-type': 'text/plain'}).end('not here')
  }
}

beforeAll(async () => {
  server = http.createServer(handle)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise(resolve => server.close(resolve))
})

const fast = {timeout_ms: 300, retries: 3}

describe('ingest from http(s)', () => {
  it('downloads a CSV and reads it like a local file', async () => {
    const cwd = await tempDir()
    const reporter = recordingReporter()
    const {report, files} = await ingest(ingestParams({source: `${base}/data.csv`, ...fast}), {cwd, reporter})
    expect(report.rowsRead).toBe(40)
    expect(await readSplit(files.train)).toHaveLength(32)
    expect(reporter.progressCalls).toBeGreaterThan(0)
  })

  it('takes the format from the Content-Type when the URL has no extension', async () => {
    const cwd = await tempDir()
    const reporter = recordingReporter()
    const {report} = await ingest(ingestParams({source: `${base}/export`, ...fast}), {cwd, reporter})
    expect(report.rowsRead).toBe(40)
    expect(reporter.debugs).toContain(`${base}/export: reading as jsonl (by Content-Type)`)
  })

  it('follows redirects', async () => {
    const cwd = await tempDir()
    expect((await ingest(ingestParams({source: `${base}/moved`, ...fast}), {cwd})).report.rowsRead).toBe(40)
  })

  it('404 is a clear error naming the URL and the status, without retries', async () => {
    const cwd = await tempDir()
    hits.delete('/missing.csv')
    const error = await failure(() => ingest(ingestParams({source: `${base}/missing.csv`, ...fast}), {cwd}))
    expect(error).toBeInstanceOf(DataError)
    expect(error.exitCode).toBe(EXIT_CODES.user)
    expect(error.message).toBe(`GET ${base}/missing.csv: HTTP 404 Not Found; check the URL in ingest.source`)
    expect(hits.get('/missing.csv')).toBe(1)
  })

  it('retries 5xx with backoff, then succeeds', async () => {
    const cwd = await tempDir()
    hits.delete('/flaky.csv')
    const reporter = recordingReporter()
    const {report} = await ingest(ingestParams({source: `${base}/flaky.csv`, ...fast}), {cwd, reporter})
    expect(report.rowsRead).toBe(40)
    expect(hits.get('/flaky.csv')).toBe(3)
    expect(reporter.warnings).toHaveLength(2)
    expect(reporter.warnings[0]).toMatch(new RegExp(`^GET ${base}/flaky\\.csv: HTTP 503 Service Unavailable; retrying in \\d\\.\\d s \\(attempt 2 of 4\\)$`))
  })

  it('retries 429 after Retry-After', async () => {
    const cwd = await tempDir()
    hits.delete('/limited.csv')
    expect((await ingest(ingestParams({source: `${base}/limited.csv`, ...fast}), {cwd})).report.rowsRead).toBe(40)
    expect(hits.get('/limited.csv')).toBe(2)
  })

  it('retries a body that stalls or is cut short, starting the download over', async () => {
    const cwd = await tempDir()
    hits.delete('/stall.csv')
    hits.delete('/cut.csv')
    expect((await ingest(ingestParams({source: `${base}/stall.csv`, ...fast}), {cwd})).report.rowsRead).toBe(40)
    expect(hits.get('/stall.csv')).toBe(2)
    expect((await ingest(ingestParams({source: `${base}/cut.csv`, ...fast, out_dir: 'cut'}), {cwd})).report.rowsRead).toBe(40)
    expect(hits.get('/cut.csv')).toBe(2)
  })

  it('a server that never answers times out after ingest.timeout_ms, per attempt', async () => {
    const cwd = await tempDir()
    hits.delete('/hang.csv')
    const started = Date.now()
    const error = await failure(() => ingest(ingestParams({source: `${base}/hang.csv`, timeout_ms: 200, retries: 1}), {cwd}))
    expect(error).toBeInstanceOf(ExternalError)
    expect(error.exitCode).toBe(EXIT_CODES.external)
    expect(error.message).toBe(
      `GET ${base}/hang.csv: no response for 200 ms (ingest.timeout_ms) after 2 attempts; raise ingest.timeout_ms if the server is just slow`,
    )
    expect(hits.get('/hang.csv')).toBe(2)
    expect(Date.now() - started).toBeGreaterThanOrEqual(400)
  })

  it('gives up on a failing server after the retries', async () => {
    const cwd = await tempDir()
    hits.delete('/down.csv')
    const error = await failure(() => ingest(ingestParams({source: `${base}/down.csv`, timeout_ms: 300, retries: 1}), {cwd}))
    expect(error).toBeInstanceOf(ExternalError)
    expect(error.message).toBe(`GET ${base}/down.csv: HTTP 500 Internal Server Error after 2 attempts`)
  })

  it('a refused connection is a network error', async () => {
    const cwd = await tempDir()
    const closed = http.createServer()
    await new Promise<void>(resolve => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise(resolve => closed.close(resolve))
    const error = await failure(() => ingest(ingestParams({source: `http://127.0.0.1:${port}/x.csv`, timeout_ms: 300, retries: 0}), {cwd}))
    expect(error).toBeInstanceOf(ExternalError)
    expect(error.message).toMatch(new RegExp(`^GET http://127\\.0\\.0\\.1:${port}/x\\.csv: ECONNREFUSED`))
  })

  it('never prints passwords or signatures from the URL', async () => {
    const cwd = await tempDir()
    const url = `${base.replace('http://', 'http://user:hunter2@')}/missing.csv?X-Amz-Signature=abc123&page=2`
    const error = await failure(() => ingest(ingestParams({source: url, ...fast}), {cwd}))
    expect(error.message).not.toMatch(/hunter2|abc123/)
    expect(error.message).toContain('X-Amz-Signature=***')
    expect(redactUrl('https://a:b@h/p?token=t&x=1')).toBe('https://***@h/p?token=***&x=1')
  })

  it('streams the download into a temp file that is removed afterwards, also after a failure', async () => {
    const cwd = await tempDir()
    const tmp = await tempDir()
    const previous = process.env.TMPDIR
    process.env.TMPDIR = tmp // os.tmpdir() reads it on each call; this test file runs in its own process
    const seen: string[] = []
    const reporter = {...recordingReporter(), progress: (label: string) => label.startsWith('Downloading') && seen.push(...readdirSync(tmp))}
    try {
      await ingest(ingestParams({source: `${base}/data.csv`, ...fast}), {cwd, reporter})
      expect(seen[0]).toMatch(/^sentiops-ingest-/)
      await failure(() => ingest(ingestParams({source: `${base}/data.csv,${base}/missing.csv`, ...fast}), {cwd}))
    } finally {
      if (previous === undefined) delete process.env.TMPDIR
      else process.env.TMPDIR = previous
    }
    expect(await readdir(tmp)).toEqual([])
  })
})
