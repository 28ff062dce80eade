import net from 'node:net'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {loadBundle} from '../../src/core/bundle/index.js'
import {validateParams} from '../../src/core/config/index.js'
import type {ServeParams} from '../../src/core/config/params.js'
import {startServer, type RunningServer} from '../../src/serve/server.js'
import {tempDir, trainModel} from './support/model.js'

/**
 * The fast path of JSON POST /predict must be invisible: the same request to a server with it and to one
 * without it (every request through Fastify) gets the same status, headers and bytes, and the same metrics.
 */

const LIMITS = {max_text_length: 40, max_batch: 3, body_limit: 600}

let modelDir: string
let fast: RunningServer
let plain: RunningServer

function config(): ServeParams {
  return validateParams({serve: {host: '127.0.0.1', port: 0, model: modelDir, ...LIMITS}}).serve
}

async function start(fastPath: boolean): Promise<RunningServer> {
  const server = await startServer({config: config(), resolve: async uri => ({dir: uri, name: 'sentiment', version: '1'}), load: loadBundle, logLevel: 'silent', handleSignals: false, fastPath})
  await server.modelLoaded
  return server
}

beforeAll(async () => {
  modelDir = (await trainModel(await tempDir('sentiops-fast-'))).dir
  ;[fast, plain] = await Promise.all([start(true), start(false)])
}, 120_000)

afterAll(async () => {
  await Promise.all([fast?.shutdown('test'), plain?.shutdown('test')])
})

interface RawAnswer {
  head: string
  body: string
}

/** Sends raw request bytes on a fresh connection and returns the response head (without Date) and body. */
function exchange(port: number, bytes: Buffer): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    socket.on('data', c => {
      chunks.push(c)
      const raw = Buffer.concat(chunks).toString('latin1')
      const end = raw.indexOf('\r\n\r\n')
      if (end < 0) return
      const length = Number(/\r\ncontent-length: (\d+)/i.exec(raw.slice(0, end))?.[1] ?? -1)
      if (length >= 0 && raw.length - end - 4 >= length) {
        socket.end()
        const body = Buffer.concat(chunks).subarray(Buffer.byteLength(raw.slice(0, end + 4), 'latin1')).toString('utf8')
        resolve({head: raw.slice(0, end).replace(/\r\nDate: [^\r]*/i, ''), body})
      }
    })
    socket.on('error', reject)
    socket.write(bytes)
  })
}

function post(body: string | Buffer, contentType = 'application/json', extraHeaders = ''): Buffer {
  const payload = typeof body === 'string' ? Buffer.from(body) : body
  const type = contentType === '' ? '' : `Content-Type: ${contentType}\r\n`
  return Buffer.concat([Buffer.from(`POST /predict HTTP/1.1\r\nHost: x\r\n${type}${extraHeaders}Content-Length: ${payload.length}\r\n\r\n`), payload])
}

const BODIES: Array<string | Buffer> = [
  '{"text":"a gorgeous, witty film"}',
  '{"text":"dull and far too long"}',
  '{"texts":["a gorgeous film","dull","fine"]}',
  '{"text":""}',
  '{"text":"\\ud800 lone surrogate"}',
  '{"text":"😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀"}', // 30 code points, 60 UTF-16 units: valid
  `{"text":"${'x'.repeat(41)}"}`, // over max_text_length
  `{"text":"${'x'.repeat(40)}"}`, // at the limit
  '{"texts":["a","b","c","d"]}', // over max_batch
  '{"texts":[]}',
  '{"texts":["a",5]}',
  `{"texts":["a","${'y'.repeat(41)}"]}`,
  '{"texts":"not a list"}',
  '{"text":5}',
  '{"text":null}',
  '{"text":"a","texts":["b"]}',
  '{}',
  '{"other":"field"}',
  '{"text":"fine","extra":1}',
  '[]',
  '"just a string"',
  'null',
  '42',
  '{"text":',
  '{"text":"x"} trailing',
  '\ufeff{"text":"BOM first"}',
  '{"__proto__":{"polluted":1},"text":"x"}',
  '{"constructor":{"prototype":{"polluted":1}},"text":"x"}',
  '{"text":"\\u0000 control"}',
  Buffer.concat([Buffer.from('{"text":"'), Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80]), Buffer.from('"}')]), // invalid UTF-8
  ' ',
]

describe('POST /predict fast path (differential against the Fastify route)', () => {
  it('answers every body exactly as Fastify does: status, headers, bytes', async () => {
    for (const body of BODIES) {
      const request = post(body)
      const [a, b] = await Promise.all([exchange(fast.port, request), exchange(plain.port, request)])
      expect({request: String(body), ...a}).toEqual({request: String(body), ...b})
    }
    expect(fast.fastPath?.taken).toBe(BODIES.length)
    expect(plain.fastPath).toBeUndefined()
  })

  it('leaves everything that is not a plain JSON prediction to Fastify, with the same answers', async () => {
    const before = fast.fastPath!.taken
    const requests = [
      post('{"text":"x"}', 'application/json; charset=latin1'),
      post('{"text":"x"}', 'Application/JSON'),
      post('{"text":"x"}', 'text/plain'),
      post('{"text":"x"}', ''),
      post('text=a+fine+film', 'application/x-www-form-urlencoded', 'Accept: application/json\r\n'),
      post(''), // empty body
      post(`{"text":"${'z'.repeat(700)}"}`), // over body_limit
      Buffer.from('POST /predict?x=1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{"text":"x"}'),
      Buffer.from('POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nc\r\n{"text":"x"}\r\n0\r\n\r\n'),
      Buffer.from('GET /predict HTTP/1.1\r\nHost: x\r\n\r\n'),
    ]
    for (const request of requests) {
      const [a, b] = await Promise.all([exchange(fast.port, request), exchange(plain.port, request)])
      expect({request: request.toString().slice(0, 120), ...a}).toEqual({request: request.toString().slice(0, 120), ...b})
    }
    expect(fast.fastPath!.taken).toBe(before)
  })

  it('counts requests, latency, predictions and text lengths in the same series', async () => {
    const series = async (server: RunningServer) => {
      const text = await server.metrics.render()
      return text
        .split('\n')
        .filter(line => /^sentiops_(http_requests_total|http_request_duration_seconds_count|predictions_total|input_text_length_chars_count)\{?/.test(line))
        .filter(line => !line.includes('route="/metrics"'))
        .sort()
    }
    const [a, b] = await Promise.all([series(fast), series(plain)])
    expect(a.some(line => line.includes('route="/predict"') && line.includes('status_code="200"'))).toBe(true)
    expect(a.some(line => line.startsWith('sentiops_predictions_total{'))).toBe(true)
    expect(a).toEqual(b)
  })
})

describe('fast path switch', () => {
  it('is off with CORS on or per-request access logs, so their headers and lines stay', async () => {
    const withCors = await startServer({config: {...config(), cors_origin: 'https://example.com'}, resolve: async uri => ({dir: uri, name: 'sentiment', version: '1'}), load: loadBundle, logLevel: 'silent', handleSignals: false})
    const debugLogs = await startServer({config: config(), resolve: async uri => ({dir: uri, name: 'sentiment', version: '1'}), load: loadBundle, logLevel: 'debug', handleSignals: false})
    try {
      expect(withCors.fastPath).toBeUndefined()
      expect(debugLogs.fastPath).toBeUndefined()
    } finally {
      await Promise.all([withCors.shutdown('test'), debugLogs.shutdown('test')])
    }
  })
})
