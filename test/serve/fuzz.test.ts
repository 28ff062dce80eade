import http from 'node:http'
import net from 'node:net'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {mulberry32} from '../../src/core/data/split.js'
import {postJson, request, type HttpResult} from './support/http.js'
import {tempDir, trainModel} from './support/model.js'
import {spawnServe, type ServeProcess} from './support/serve-process.js'

interface FuzzCase {
  method: string
  path: string
  headers: Record<string, string>
  body?: string | Buffer
}

const ODD_TEXTS = [
  '\ud800', // lone high surrogate
  'a\udfffb', // lone low surrogate
  '\u0000\u0001\u001f', // control characters
  'e\u0301\u0301\u0301\u0301', // stacked combining marks
  '\u202egnitirw tfel-ot-thgir', // RTL override
  '👩‍👩‍👧‍👦 family of emoji',
  '\ufeffBOM first',
  'zero\u200bwidth\u200djoin',
  'Ｆｕｌｌｗｉｄｔｈ ＧＲＥＡＴ',
  'x'.repeat(9_999),
  'é'.repeat(5_000),
  '',
  '   \n\t  ',
  'don\u2019t can\u2019t won\u2019t',
  '<script>alert(1)</script>',
  '%00%ff%c0%af',
]

const JSON_HEADERS = {'content-type': 'application/json'}

/** Percent-encodes the UTF-8 bytes (lone surrogates become U+FFFD), unlike encodeURIComponent, which throws. */
function percentEncode(text: string): string {
  return [...Buffer.from(text)].map(b => `%${b.toString(16).padStart(2, '0')}`).join('')
}

function generate(rand: () => number, count: number): FuzzCase[] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!
  const cases: FuzzCase[] = []
  const validBodies = () => [
    JSON.stringify({text: pick(ODD_TEXTS)}),
    JSON.stringify({texts: [pick(ODD_TEXTS), pick(ODD_TEXTS)]}),
    JSON.stringify({dataframe_split: {columns: ['text'], data: [[pick(ODD_TEXTS)]]}}),
    JSON.stringify({text: pick(ODD_TEXTS), top_k: Math.floor(rand() * 200) - 50}),
  ]
  for (let i = 0; i < count; i++) {
    const kind = i % 10
    const path = pick(['/predict', '/explain', '/invocations'])
    switch (kind) {
      case 0: {
        // Broken JSON: a valid body cut short or with a byte flipped.
        const body = pick(validBodies())
        const cut = body.slice(0, Math.floor(rand() * body.length))
        const flipped = body.split('')
        flipped[Math.floor(rand() * flipped.length)] = pick(['{', '"', '\\', ',', ']', '\u0000', 'ÿ'])
        cases.push({method: 'POST', path, headers: JSON_HEADERS, body: rand() < 0.5 ? cut : flipped.join('')})
        break
      }
      case 1: {
        // Wrong types everywhere.
        const value = pick<unknown>([5, -1.5e308, true, null, {}, [], [[['deep']]], {text: {nested: 'x'}}, 'plain string', 1e400])
        const body = pick([{text: value}, {texts: value}, {texts: [value, 'ok']}, value, {dataframe_records: value}, {instances: [value]}, {inputs: {text: value}}, {text: 'ok', top_k: value}])
        cases.push({method: 'POST', path, headers: JSON_HEADERS, body: JSON.stringify(body) ?? 'undefined'})
        break
      }
      case 2:
        // Huge and empty bodies.
        cases.push({method: 'POST', path, headers: JSON_HEADERS, body: pick(['', ' ', '\n', JSON.stringify({text: 'x'.repeat(2_000_000)}), '['.repeat(100_000), '{"text":"' + 'a'.repeat(10_001) + '"}', JSON.stringify({texts: Array(1000).fill('a')})])})
        break
      case 3:
        // Odd unicode in otherwise valid requests, also as raw invalid UTF-8 bytes.
        cases.push(rand() < 0.7 ? {method: 'POST', path, headers: JSON_HEADERS, body: pick(validBodies())} : {method: 'POST', path, headers: JSON_HEADERS, body: Buffer.concat([Buffer.from('{"text":"'), Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80]), Buffer.from('"}')])})
        break
      case 4:
      {
        // Wrong methods on real routes (GET and HEAD without a body: Node's client would send one unframed).
        const method = pick(['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'])
        const body = method === 'GET' || method === 'HEAD' || rand() < 0.5 ? undefined : '{"text":"x"}'
        cases.push({method, path: pick(['/predict', '/explain', '/invocations', '/metrics', '/', '/v2/health/ready', '/v2/models/x']), headers: JSON_HEADERS, body})
        break
      }
      case 5:
        // Odd content types.
        cases.push({method: 'POST', path, headers: pick<Record<string, string>>([{}, {'content-type': 'text/plain'}, {'content-type': 'application/json; charset=latin1'}, {'content-type': 'multipart/form-data; boundary=x'}, {'content-type': 'application/x-www-form-urlencoded'}, {'content-type': 'text/csv'}, {'content-type': '*/*'}, {'content-type': 'application/json;;;'}]), body: pick(['text=%FF%FE&text=a', 'text\n"a,b', '--x\r\nContent-Disposition: form-data; name="text"\r\n\r\nhi\r\n--x--', '{"text":"ok"}', 'a=1&'.repeat(1000)])})
        break
      case 6:
        // Unknown and odd paths.
        cases.push({method: pick(['GET', 'POST']), path: pick(['/predict/', '//predict', '/PREDICT', '/v2/models/' + percentEncode(pick(ODD_TEXTS)).slice(0, 90), '/%E0%A4%A', '/assets/../package.json', '/assets/%2e%2e%2fpackage.json', '/' + 'a'.repeat(5000), '/predict?text=x&text=y', '/metrics?' + 'x'.repeat(2000)]), headers: {}})
        break
      case 7:
        // Prototype pollution attempts.
        cases.push({method: 'POST', path, headers: JSON_HEADERS, body: pick(['{"__proto__":{"polluted":1},"text":"x"}', '{"constructor":{"prototype":{"polluted":1}},"text":"x"}', '{"text":"x","texts":null}'])})
        break
      case 8:
        // MLflow shapes with wrong contents.
        cases.push({method: 'POST', path: '/invocations', headers: JSON_HEADERS, body: JSON.stringify(pick<unknown>([{dataframe_split: {columns: 'text', data: 'x'}}, {dataframe_split: {columns: ['a', 'b'], data: [['x']]}}, {dataframe_split: {data: [['a', 'b']]}}, {dataframe_records: [{}]}, {instances: {text: 'x'}}, {inputs: {}}, {inputs: [[['x']]]}, {dataframe_split: {columns: ['text'], data: [[null]]}}]))})
        break
      default:
        // Form posts of the page with odd values.
        cases.push({method: 'POST', path: '/predict', headers: {'content-type': 'application/x-www-form-urlencoded', accept: pick(['text/html', 'application/json', '*/*'])}, body: pick(['text=' + percentEncode(pick(ODD_TEXTS)), 'text=a&text=b', 'other=1', '', 'text=%zz'])})
    }
  }
  return cases
}

/** One request on its own connection: a 413 may close the connection, which must not blame the next case. */
function send(base: string, c: FuzzCase): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = http.request(base + c.path, {method: c.method, headers: c.headers, agent: false}, res => {
      const chunks: Buffer[] = []
      res.on('data', (d: Buffer) => chunks.push(d))
      res.on('end', () => resolve({status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString()}))
    })
    // The server may answer 413 and close before reading a huge body: that is an answer, not a failure.
    req.on('error', reject)
    req.end(c.body)
  })
}

/** Raw bytes that are not HTTP at all; Node's parser must answer 400 (or just close) without hurting the server. */
function sendRaw(port: number, bytes: string): Promise<string> {
  return new Promise(resolve => {
    const socket = net.connect(port, '127.0.0.1')
    let got = ''
    socket.on('data', d => (got += d.toString()))
    socket.on('error', () => resolve(got))
    socket.on('close', () => resolve(got))
    socket.end(bytes)
  })
}

/** The bodies of the HTTP/1.1 responses in `raw`, one after the other (Content-Length framed). */
function responseBodies(raw: string): string[] {
  const bodies: string[] = []
  let rest = raw
  while (rest.startsWith('HTTP/1.1 ')) {
    const end = rest.indexOf('\r\n\r\n')
    const length = Number(/\r\ncontent-length: (\d+)/i.exec(rest.slice(0, end))?.[1] ?? 0)
    bodies.push(rest.slice(end + 4, end + 4 + length))
    rest = rest.slice(end + 4 + length)
  }
  return bodies.filter(b => b !== '')
}

function serverErrorLines(metrics: string): string[] {
  return metrics.split('\n').filter(l => l.startsWith('sentiops_http_requests_total{') && /status_code="5\d\d"/.test(l))
}

let serve: ServeProcess

beforeAll(async () => {
  const cwd = await tempDir('sentiops-fuzz-')
  const {dir} = await trainModel(cwd)
  serve = await spawnServe(['--model', dir], {cwd})
}, 120_000)

afterAll(async () => {
  await serve?.stop()
})

async function runCases(cases: FuzzCase[], concurrency: number) {
  const statuses = new Map<number, number>()
  const failures: string[] = []
  let next = 0
  await Promise.all(
    Array.from({length: concurrency}, async () => {
      while (next < cases.length) {
        const c = cases[next++]!
        try {
          const res = await send(serve.address, c)
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
          if (res.status >= 500) failures.push(`${c.method} ${c.path} ${String(c.body).slice(0, 80)} → ${res.status} ${res.body.slice(0, 200)}`)
          if (res.status >= 400 && c.method !== 'HEAD' && res.headers['content-type']?.startsWith('application/json')) {
            const body = JSON.parse(res.body) as {error?: unknown; message?: unknown}
            if (typeof body.error !== 'string' || typeof body.message !== 'string' || /\n\s+at /.test(body.message)) failures.push(`${c.method} ${c.path}: error body ${res.body.slice(0, 200)}`)
          }
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code
          // A body over the limit may be refused before it is fully sent.
          if (!(code === 'EPIPE' || code === 'ECONNRESET') || (c.body?.length ?? 0) < 1_000_000) failures.push(`${c.method} ${c.path} [${JSON.stringify(c.headers)} ${String(c.body).slice(0, 60)} len=${c.body?.length}]: ${code ?? String(error)}`)
        }
      }
    }),
  )
  return {statuses, failures}
}

describe('fuzzing the real `sentiops serve`', () => {
  it('answers thousands of malformed requests without a 5xx, stays up, and does not grow its memory without bound', async () => {
    const serverErrorsBefore = serverErrorLines((await request(`${serve.address}/metrics`)).body)
    const rand = mulberry32(20_240_501)
    const warm = await runCases(generate(rand, 1000), 8)
    expect(warm.failures).toEqual([])
    const rssAfterWarmUp = serve.rssKiB()

    const {statuses, failures} = await runCases(generate(rand, 3000), 8)
    expect(failures).toEqual([])
    expect([...statuses.keys()].every(s => [200, 204, 304, 400, 404, 405, 413, 415].includes(s))).toBe(true)
    expect(statuses.get(400)).toBeGreaterThan(500)
    expect(statuses.get(200)).toBeGreaterThan(100)

    for (const raw of ['GARBAGE\r\n\r\n', 'GET /predict HTTP/1.1\r\nHost: x\r\n\r\n{"text":"an unframed body"}', 'GET / HTTP/1.1\r\nX: ' + 'h'.repeat(20_000) + '\r\n\r\n', 'POST /predict HTTP/1.1\r\nContent-Length: -1\r\n\r\n', 'GET / HTTP/9.9\r\n\r\n', 'POST /predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', '\u0000\u0001\u0002']) {
      const answer = await sendRaw(serve.port, raw)
      expect(answer === '' || /^HTTP\/1.1 4\d\d /.test(answer), JSON.stringify(answer.slice(0, 100))).toBe(true)
      for (const body of responseBodies(answer)) expect(Object.keys(JSON.parse(body))).toEqual(['error', 'message'])
    }

    // Still up and still right.
    const res = await postJson(`${serve.address}/predict`, {text: 'a wonderful, moving film'})
    expect([res.status, JSON.parse(res.body).label]).toEqual([200, 'positive'])
    expect((await request(`${serve.address}/v2/health/ready`)).status).toBe(200)
    // Three times as many requests after the warm-up must not add more than a few tens of MB.
    const growthMiB = (serve.rssKiB() - rssAfterWarmUp) / 1024
    expect(growthMiB).toBeLessThan(40)
    const metrics = (await request(`${serve.address}/metrics`)).body
    // The only 5xx are the 503s of polls made before the model was loaded (by the test's start-up wait).
    expect(serverErrorLines(metrics)).toEqual(serverErrorsBefore)
    // Arbitrary paths never become label values.
    expect(metrics).not.toMatch(/route="\/(a{10}|%|assets\/\.\.)/)
  })
})
