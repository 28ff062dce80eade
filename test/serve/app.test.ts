import type {FastifyInstance} from 'fastify'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {loadBundle} from '../../src/core/bundle/index.js'
import type {Bundle} from '../../src/core/bundle/types.js'
import {buildApp} from '../../src/serve/app.js'
import {ServeMetrics} from '../../src/serve/metrics.js'
import {ModelHolder} from '../../src/serve/model-holder.js'
import {fakeBundle} from './support/fake-bundle.js'
import {tempDir, trainModel} from './support/model.js'

const LIMITS = {bodyLimit: 4096, maxTextLength: 200, maxBatch: 4}
const TEXTS = ['A gorgeous, witty, moving film.', 'Dull, lifeless and far too long.', 'not bad at all', '!!!']

let modelDir: string
let bundle: Bundle
let app: FastifyInstance
let metrics: ServeMetrics

async function appFor(holder: ModelHolder, extra: Partial<Parameters<typeof buildApp>[0]> = {}) {
  const instance = await buildApp({holder, limits: LIMITS, metrics: new ServeMetrics({defaultMetrics: false}), ...extra})
  await instance.ready()
  return instance
}

const json = (body: unknown) => ({headers: {'content-type': 'application/json'}, payload: JSON.stringify(body)})

beforeAll(async () => {
  const cwd = await tempDir()
  modelDir = (await trainModel(cwd)).dir
  bundle = await loadBundle(modelDir)
  const holder = new ModelHolder({uri: modelDir, resolve: async uri => ({dir: uri, name: 'sentiment', version: '3', alias: 'champion'}), load: loadBundle})
  await holder.load()
  metrics = new ServeMetrics()
  app = await buildApp({holder, limits: LIMITS, metrics})
  await app.ready()
})

afterAll(async () => {
  await app?.close()
})

describe('POST /predict', () => {
  it('answers one text with the bundle prediction and the model that answered', async () => {
    const res = await app.inject({method: 'POST', url: '/predict', ...json({text: TEXTS[0]})})
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    expect(res.json()).toEqual({...bundle.predict([TEXTS[0]!])[0], model: {name: 'sentiment', version: '3', alias: 'champion'}})
  })

  it('answers a batch in order, identical to bundle.predict', async () => {
    const res = await app.inject({method: 'POST', url: '/predict', ...json({texts: TEXTS})})
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({predictions: bundle.predict(TEXTS), model: {name: 'sentiment', version: '3', alias: 'champion'}})
  })

  it('answers the page form post with the rendered page, and with JSON when the client asks for JSON', async () => {
    const form = {headers: {'content-type': 'application/x-www-form-urlencoded', accept: 'text/html'}, payload: 'text=' + encodeURIComponent('A <b>gorgeous</b> film & more')}
    const page = await app.inject({method: 'POST', url: '/predict', ...form})
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-type']).toMatch(/^text\/html/)
    const expected = bundle.predict(['A <b>gorgeous</b> film & more'])[0]!
    expect(page.body).toContain(`id="result-label" class="label label-${expected.label}">${expected.label}</strong>`)
    expect(page.body).toContain('A &#60;b&#62;gorgeous&#60;/b&#62; film &#38; more</textarea>')
    expect(page.body).not.toContain('<b>gorgeous</b>')
    expect(page.headers['content-security-policy']).toContain("default-src 'none'")

    const asJson = await app.inject({method: 'POST', url: '/predict', headers: {...form.headers, accept: 'application/json'}, payload: form.payload})
    expect(asJson.json()).toMatchObject({label: expected.label, score: expected.score})
  })

  it('renders a form error on the page (400), not a stack or JSON', async () => {
    const res = await app.inject({method: 'POST', url: '/predict', headers: {'content-type': 'application/x-www-form-urlencoded'}, payload: 'text=' + 'x'.repeat(LIMITS.maxTextLength + 1)})
    expect(res.statusCode).toBe(400)
    expect(res.body).toContain('id="result-error"')
    expect(res.body).toContain('is longer than the limit of 200 characters')
    const noField = await app.inject({method: 'POST', url: '/predict', headers: {'content-type': 'application/x-www-form-urlencoded'}, payload: 'review=good'})
    expect([noField.statusCode, noField.body.includes('the form has no &#34;text&#34; field')]).toEqual([400, true])
  })

  it.each([
    ['no text field', {}, 'body needs "text" (a string) or "texts" (a list of strings)'],
    ['both fields', {text: 'a', texts: ['b']}, 'send either "text" or "texts", not both'],
    ['a number as text', {text: 5}, 'body.text must be a string'],
    ['null text', {text: null}, 'body.text must be a string'],
    ['texts not a list', {texts: 'abc'}, 'body.texts must be an array'],
    ['a number in texts', {texts: ['ok', 7]}, 'body.texts[1] must be a string'],
    ['an empty batch', {texts: []}, 'body.texts must have at least 1 item'],
    ['a batch over max_batch', {texts: ['a', 'b', 'c', 'd', 'e']}, 'body.texts has more than the limit of 4 items'],
    ['a text over max_text_length', {text: 'x'.repeat(201)}, 'body.text is longer than the limit of 200 characters'],
    ['a list body', ['a'], 'body must be an object'],
    ['a string body', 'hello', 'body must be an object'],
  ])('rejects %s with 400 and one readable line', async (_name, body, message) => {
    const res = await app.inject({method: 'POST', url: '/predict', ...json(body)})
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({error: 'Bad Request', message})
  })

  it('rejects broken and empty JSON with 400, a body over the limit with 413, other content types with 415', async () => {
    const broken = await app.inject({method: 'POST', url: '/predict', headers: {'content-type': 'application/json'}, payload: '{"text": "unclosed'})
    expect([broken.statusCode, broken.json()]).toEqual([400, {error: 'Bad Request', message: 'request body is not valid JSON'}])
    const empty = await app.inject({method: 'POST', url: '/predict', headers: {'content-type': 'application/json'}, payload: ''})
    expect([empty.statusCode, empty.json().message]).toEqual([400, 'request body is empty; send a JSON object'])
    const huge = await app.inject({method: 'POST', url: '/predict', ...json({text: 'x'.repeat(LIMITS.bodyLimit)})})
    expect([huge.statusCode, huge.json()]).toEqual([413, {error: 'Payload Too Large', message: 'request body is larger than the limit of 4096 bytes'}])
    const plain = await app.inject({method: 'POST', url: '/predict', headers: {'content-type': 'text/plain'}, payload: 'good film'})
    expect(plain.statusCode).toBe(415)
    expect(plain.json().message).toBe('Content-Type "text/plain" is not supported by POST /predict; send application/json or application/x-www-form-urlencoded')
    const none = await app.inject({method: 'POST', url: '/predict'})
    expect([none.statusCode, none.json().message]).toEqual([400, 'body must be an object'])
    const proto = await app.inject({method: 'POST', url: '/predict', headers: {'content-type': 'application/json'}, payload: '{"text": "a", "__proto__": {"x": 1}}'})
    expect(proto.statusCode).toBe(400)
  })
})

describe('POST /explain', () => {
  it('returns the exact contributions of the bundle and top_k per side', async () => {
    const text = 'a wonderful film with terrible acting'
    const res = await app.inject({method: 'POST', url: '/explain', ...json({text, top_k: 2})})
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body).toEqual({...bundle.explain(text, 2), model: {name: 'sentiment', version: '3', alias: 'champion'}})
    expect(body.method).toBe('exact')
    expect(body.positive.length).toBeLessThanOrEqual(2)
    expect(body.positive.every((t: {contribution: number}) => t.contribution > 0)).toBe(true)
    expect(body.negative.every((t: {contribution: number}) => t.contribution < 0)).toBe(true)
  })

  it.each([
    [{}, 'body.text is required'],
    [{text: 'ok', top_k: 0}, 'body.top_k must be >= 1'],
    [{text: 'ok', top_k: 1.5}, 'body.top_k must be an integer'],
    [{text: 'ok', top_k: '3'}, 'body.top_k must be an integer'],
  ])('rejects %j with 400', async (body, message) => {
    const res = await app.inject({method: 'POST', url: '/explain', ...json(body)})
    expect([res.statusCode, res.json()]).toEqual([400, {error: 'Bad Request', message}])
  })
})

describe('GET / (the page)', () => {
  it('serves an accessible form that works without JavaScript, with security headers and no external origin', async () => {
    const res = await app.inject({method: 'GET', url: '/'})
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(res.body).toMatch(/<form id="predict-form" method="post" action="\/predict">/)
    expect(res.body).toMatch(/<label for="review">Review text<\/label>/)
    expect(res.body).toMatch(/<textarea id="review" name="text"[^>]*maxlength="200"/)
    expect(res.body).toMatch(/<section id="result"[^>]*aria-live="polite"[^>]*hidden>/)
    expect(res.body).toContain('<span id="model-version">3</span>')
    // Only same-origin assets: no CDN, no absolute URLs in src/href.
    expect(res.body).not.toMatch(/(src|href)="(https?:)?\/\//)
    expect(res.headers['content-security-policy']).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    )
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    expect(res.headers['x-frame-options']).toBe('DENY')
    expect(res.headers['referrer-policy']).toBe('no-referrer')
    expect(res.headers['cache-control']).toBe('no-store')
  })

  it('serves the script and stylesheet with an ETag and answers 304 to a matching If-None-Match', async () => {
    const js = await app.inject({method: 'GET', url: '/assets/page.js'})
    expect(js.statusCode).toBe(200)
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(js.body).toContain("fetch('/explain'")
    const again = await app.inject({method: 'GET', url: '/assets/page.js', headers: {'if-none-match': js.headers.etag as string}})
    expect([again.statusCode, again.body]).toEqual([304, ''])
    const css = await app.inject({method: 'GET', url: '/assets/page.css'})
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8')
    const missing = await app.inject({method: 'GET', url: '/assets/other.js'})
    expect([missing.statusCode, missing.json().message]).toEqual([404, 'no asset named "other.js"'])
  })
})

describe('POST /invocations (MLflow scoring protocol)', () => {
  const expected = () => ({predictions: bundle.predict(TEXTS.slice(0, 2))})
  const [a, b] = TEXTS as [string, string]

  it.each([
    ['dataframe_split', {dataframe_split: {columns: ['text'], data: [[a], [b]]}}],
    ['dataframe_split with an index and extra columns', {dataframe_split: {index: [7, 8], columns: ['id', 'text'], data: [[1, a], [2, b]]}}],
    ['dataframe_split without columns', {dataframe_split: {data: [[a], [b]]}}],
    ['dataframe_records', {dataframe_records: [{text: a}, {text: b}]}],
    ['dataframe_records with one other column', {dataframe_records: [{review: a}, {review: b}]}],
    ['instances of strings', {instances: [a, b]}],
    ['instances of records', {instances: [{text: a}, {text: b}]}],
    ['inputs of strings', {inputs: [a, b]}],
    ['inputs as named columns, with params', {inputs: {text: [a, b]}, params: {}}],
  ])('accepts %s', async (_name, body) => {
    const res = await app.inject({method: 'POST', url: '/invocations', ...json(body)})
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual(expected())
  })

  it('accepts CSV with a header row', async () => {
    const csv = `id,text\n1,"${a.replace(/"/g, '""')}"\n2,"${b}"\n`
    const res = await app.inject({method: 'POST', url: '/invocations', headers: {'content-type': 'text/csv'}, payload: csv})
    expect([res.statusCode, res.json()]).toEqual([200, expected()])
  })

  it.each([
    [{}, /exactly one of the fields dataframe_split, dataframe_records, instances, inputs; received the fields \[\]/],
    [{instances: [a], inputs: [a]}, /exactly one of the fields/],
    [[a], /received a list/],
    [{dataframe_split: {columns: ['id', 'body'], data: [[1, a]]}}, /dataframe_split.columns has no "text" column among \["id","body"\]/],
    [{dataframe_split: {columns: ['text'], data: [[5]]}}, /dataframe_split.data\[0\]\[0\] must be a string, got number/],
    [{dataframe_records: [{text: a}, 'x']}, /dataframe_records\[1\] must be a record/],
    [{instances: []}, /instances holds no rows/],
    [{inputs: 'abc'}, /inputs must be a list or an object of named columns, got string/],
    [{instances: ['a', 'b', 'c', 'd', 'e']}, /instances has 5 rows, more than the limit of 4/],
    [{instances: ['x'.repeat(201)]}, /instances: text 0 is longer than the limit of 200 characters/],
  ])('rejects %j with 400', async (body, message) => {
    const res = await app.inject({method: 'POST', url: '/invocations', ...json(body)})
    expect(res.statusCode).toBe(400)
    expect(res.json().error).toBe('Bad Request')
    expect(res.json().message).toMatch(message)
  })

  it('rejects CSV that does not parse and unknown content types', async () => {
    const ragged = await app.inject({method: 'POST', url: '/invocations', headers: {'content-type': 'text/csv'}, payload: 'text\n"unclosed\n'})
    expect([ragged.statusCode, ragged.json().message]).toEqual([400, expect.stringMatching(/^request body is not valid CSV: /)])
    const xml = await app.inject({method: 'POST', url: '/invocations', headers: {'content-type': 'application/xml'}, payload: '<a/>'})
    expect([xml.statusCode, xml.json().message]).toEqual([415, 'Content-Type "application/xml" is not supported by POST /invocations; send application/json or text/csv'])
  })
})

describe('health, version and metadata', () => {
  it('answers MLflow /ping, /health and /version', async () => {
    for (const url of ['/ping', '/health']) {
      const res = await app.inject({method: 'GET', url})
      expect([res.statusCode, res.json()]).toEqual([200, {status: 'ok'}])
    }
    const version = await app.inject({method: 'GET', url: '/version'})
    expect(version.headers['content-type']).toMatch(/^text\/plain/)
    expect(version.body).toMatch(/^\d+\.\d+\.\d+/)
  })

  it('answers the KServe V2 health and model metadata endpoints', async () => {
    expect((await app.inject({method: 'GET', url: '/v2/health/live'})).json()).toEqual({live: true})
    expect((await app.inject({method: 'GET', url: '/v2/health/ready'})).json()).toEqual({ready: true})
    expect((await app.inject({method: 'GET', url: '/v2'})).json()).toMatchObject({name: 'sentiops', extensions: []})
    const meta = await app.inject({method: 'GET', url: '/v2/models/sentiment'})
    expect(meta.json()).toEqual({
      name: 'sentiment',
      versions: ['3'],
      platform: 'sentiops-lr',
      inputs: [{name: 'text', datatype: 'BYTES', shape: [-1]}],
      outputs: [
        {name: 'label', datatype: 'BYTES', shape: [-1]},
        {name: 'score', datatype: 'FP64', shape: [-1]},
        {name: 'probabilities', datatype: 'FP64', shape: [-1, 2]},
      ],
      parameters: {class_names: ['negative', 'positive'], alias: 'champion', stage: '', uri: modelDir},
    })
    expect((await app.inject({method: 'GET', url: '/v2/models/sentiment/ready'})).json()).toEqual({name: 'sentiment', ready: true})
    const other = await app.inject({method: 'GET', url: '/v2/models/other'})
    expect([other.statusCode, other.json().message]).toEqual([404, 'model "other" is not served here; this server serves "sentiment"'])
  })

  it('is live but not ready, and predicts nothing (503), until a model is loaded', async () => {
    const holder = new ModelHolder({uri: 'later', resolve: async () => ({dir: 'later'}), load: async dir => fakeBundle(dir)})
    const empty = await appFor(holder)
    try {
      expect((await empty.inject({method: 'GET', url: '/v2/health/live'})).statusCode).toBe(200)
      for (const url of ['/v2/health/ready', '/ping', '/health']) {
        const res = await empty.inject({method: 'GET', url})
        expect([res.statusCode, res.headers['retry-after'], res.json()]).toEqual([503, '1', {error: 'Service Unavailable', message: 'no model is loaded yet'}])
      }
      const predict = await empty.inject({method: 'POST', url: '/predict', ...json({text: 'good'})})
      expect([predict.statusCode, predict.json().message]).toEqual([503, 'no model is loaded yet; retry shortly'])
      const page = await empty.inject({method: 'GET', url: '/'})
      expect(page.body).toContain('<span id="model-name">none loaded</span>')
      await holder.load()
      expect((await empty.inject({method: 'GET', url: '/v2/health/ready'})).statusCode).toBe(200)
      await holder.close()
      const closing = await empty.inject({method: 'GET', url: '/v2/health/ready'})
      expect([closing.statusCode, closing.json().message]).toEqual([503, 'the server is shutting down'])
    } finally {
      await empty.close()
    }
  })
})

describe('routing and failures', () => {
  it('answers unknown routes with 404 and known routes with a wrong method with 405 + Allow', async () => {
    const unknown = await app.inject({method: 'GET', url: '/nope?x=1'})
    expect([unknown.statusCode, unknown.json()]).toEqual([404, {error: 'Not Found', message: 'no route for GET /nope'}])
    const wrong = await app.inject({method: 'GET', url: '/predict'})
    expect([wrong.statusCode, wrong.headers.allow, wrong.json().message]).toEqual([405, 'POST', 'GET is not allowed on /predict; use POST'])
    const del = await app.inject({method: 'DELETE', url: '/v2/models/sentiment'})
    expect([del.statusCode, del.headers.allow]).toEqual([405, 'GET, HEAD'])
  })

  it('answers a model failure with a generic 500, never the stack', async () => {
    const holder = new ModelHolder({uri: 'x', resolve: async () => ({dir: 'x'}), load: async dir => fakeBundle(dir)})
    await holder.load()
    const broken = await appFor(holder)
    try {
      Object.assign(holder.model!.bundle, {predict: () => { throw new TypeError('boom at internal/secret.ts:42') }})
      const res = await broken.inject({method: 'POST', url: '/predict', ...json({text: 'good'})})
      expect(res.statusCode).toBe(500)
      expect(res.json()).toEqual({error: 'Internal Server Error', message: 'the server failed to answer this request; the error is in its log'})
      expect(res.body).not.toContain('secret')
    } finally {
      await broken.close()
    }
  })

  it('sends no CORS headers by default, and answers allowed origins (and preflights) when configured', async () => {
    const res = await app.inject({method: 'POST', url: '/predict', headers: {'content-type': 'application/json', origin: 'https://evil.example'}, payload: '{"text":"x"}'})
    expect(res.headers['access-control-allow-origin']).toBeUndefined()

    const holder = new ModelHolder({uri: 'x', resolve: async () => ({dir: 'x'}), load: async dir => fakeBundle(dir)})
    await holder.load()
    const cors = await appFor(holder, {corsOrigin: 'https://app.example.com'})
    try {
      const allowed = await cors.inject({method: 'POST', url: '/predict', headers: {'content-type': 'application/json', origin: 'https://app.example.com'}, payload: '{"text":"good"}'})
      expect([allowed.headers['access-control-allow-origin'], allowed.headers.vary]).toEqual(['https://app.example.com', 'Origin'])
      const denied = await cors.inject({method: 'POST', url: '/predict', headers: {'content-type': 'application/json', origin: 'https://evil.example'}, payload: '{"text":"good"}'})
      expect(denied.headers['access-control-allow-origin']).toBeUndefined()
      const preflight = await cors.inject({method: 'OPTIONS', url: '/predict', headers: {origin: 'https://app.example.com', 'access-control-request-method': 'POST'}})
      expect(preflight.statusCode).toBe(204)
      expect(preflight.headers['access-control-allow-methods']).toBe('GET, POST, OPTIONS')
      expect(preflight.headers['access-control-allow-headers']).toBe('content-type, accept')
    } finally {
      await cors.close()
    }
    await expect(buildApp({holder, limits: LIMITS, corsOrigin: 'https://app.example.com/path'})).rejects.toThrow(
      'serve.cors_origin: "https://app.example.com/path" is not an origin (scheme://host[:port], no path); did you mean https://app.example.com?',
    )
  })
})

describe('GET /metrics', () => {
  it('exposes request, latency, prediction, model and input metrics under their contract names', async () => {
    await app.inject({method: 'POST', url: '/predict', ...json({texts: ['good', 'bad']})})
    await app.inject({method: 'GET', url: '/definitely/not/here'})
    const res = await app.inject({method: 'GET', url: '/metrics'})
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8')
    const text = res.body
    expect(text).toMatch(/^sentiops_http_requests_total\{method="POST",route="\/predict",status_code="200"\} \d+$/m)
    expect(text).toMatch(/^sentiops_http_requests_total\{method="POST",route="\/predict",status_code="400"\} \d+$/m)
    expect(text).toMatch(/^sentiops_http_requests_total\{method="GET",route="unmatched",status_code="404"\} \d+$/m)
    expect(text).not.toContain('definitely')
    expect(text).toMatch(/^sentiops_http_request_duration_seconds_bucket\{method="POST",route="\/predict",le="0.0001"\} \d+$/m)
    expect(text).toMatch(/^sentiops_http_request_duration_seconds_count\{method="POST",route="\/invocations"\} \d+$/m)
    expect(text).toMatch(/^sentiops_predictions_total\{label="(positive|negative)",model_name="sentiment",model_version="3"\} \d+$/m)
    expect(text).toMatch(/^sentiops_model_info\{name="sentiment",version="3",alias="champion"\} 1$/m)
    expect(text).toMatch(/^sentiops_input_text_length_chars_count \d+$/m)
    expect(text).toMatch(/^sentiops_model_loads_total\{result="failure"\} 0$/m)
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m)
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m)
  })

  it('counts every classified text once, by label', async () => {
    const before = await predictionCounts()
    await app.inject({method: 'POST', url: '/predict', ...json({texts: TEXTS})})
    await app.inject({method: 'POST', url: '/invocations', ...json({instances: TEXTS.slice(0, 2)})})
    const after = await predictionCounts()
    const expected: Record<string, number> = {}
    for (const p of [...bundle.predict(TEXTS), ...bundle.predict(TEXTS.slice(0, 2))]) expected[p.label] = (expected[p.label] ?? 0) + 1
    for (const label of ['positive', 'negative']) expect((after[label] ?? 0) - (before[label] ?? 0)).toBe(expected[label] ?? 0)
  })
})

async function predictionCounts(): Promise<Record<string, number>> {
  const text = await metrics.render()
  const out: Record<string, number> = {}
  for (const m of text.matchAll(/^sentiops_predictions_total\{label="(\w+)",[^}]*\} (\d+)$/gm)) out[m[1]!] = Number(m[2])
  return out
}
