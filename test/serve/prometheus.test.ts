import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {writeFile} from 'node:fs/promises'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {freePort, postJson, request, waitFor} from './support/http.js'
import {tempDir, trainModel} from './support/model.js'
import {ensureServeDeps, spawnServe, type ServeProcess} from './support/serve-process.js'

interface PromResult {
  metric: Record<string, string>
  value: [number, string]
}

let serve: ServeProcess
let prometheus: ChildProcess
let promUrl: string
let promLog = ''

async function query(expr: string): Promise<PromResult[]> {
  const res = await request(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`)
  const body = JSON.parse(res.body) as {status: string; error?: string; data: {result: PromResult[]}}
  if (body.status !== 'success') throw new Error(`PromQL ${expr}: ${body.error}`)
  return body.data.result
}

/** Starts Prometheus 2.42 (Debian) on a free loopback port; a port taken meanwhile is retried with another. */
async function startPrometheus(dir: string, target: string): Promise<{proc: ChildProcess; url: string}> {
  const config = path.join(dir, 'prometheus.yml')
  await writeFile(config, `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: sentiops\n    metrics_path: /metrics\n    static_configs:\n      - targets: ['${target}']\n`)
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort()
    const proc = spawn('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, `tsdb-${attempt}`)}`, `--web.listen-address=127.0.0.1:${port}`], {stdio: ['ignore', 'ignore', 'pipe']})
    proc.stderr!.on('data', (c: Buffer) => (promLog += c.toString()))
    const exited = new Promise<void>(resolve => proc.on('exit', () => resolve()))
    const url = `http://127.0.0.1:${port}`
    const ready = await Promise.race([
      waitFor('Prometheus to be ready', async () => ((await request(`${url}/-/ready`)).status === 200 ? true : undefined), 20_000).then(() => true),
      exited.then(() => false),
    ])
    if (ready) return {proc, url}
    if (!/address already in use/.test(promLog)) throw new Error(`prometheus exited: ${promLog.slice(-2000)}`)
  }
  throw new Error(`prometheus could not bind a port: ${promLog.slice(-2000)}`)
}

beforeAll(async () => {
  ensureServeDeps()
  const cwd = await tempDir('sentiops-prom-')
  const {dir} = await trainModel(cwd)
  serve = await spawnServe(['--model', dir], {cwd})
  const started = await startPrometheus(cwd, `127.0.0.1:${serve.port}`)
  prometheus = started.proc
  promUrl = started.url
}, 120_000)

afterAll(async () => {
  if (prometheus && prometheus.exitCode === null) {
    prometheus.kill('SIGTERM')
    await new Promise(resolve => prometheus.once('exit', resolve))
  }
  await serve?.stop()
})

describe('Prometheus scraping the real `sentiops serve`', () => {
  it('exposes metrics that promtool accepts without a single warning', async () => {
    await postJson(`${serve.address}/predict`, {texts: ['a witty, warm film', 'a dull mess']})
    await postJson(`${serve.address}/predict`, {text: 42})
    const metrics = await request(`${serve.address}/metrics`)
    const lint = spawnSync('promtool', ['check', 'metrics'], {input: metrics.body, encoding: 'utf8'})
    expect(lint.error).toBeUndefined()
    expect(lint.stdout + lint.stderr).toBe('')
    expect(lint.status).toBe(0)
  })

  it('records the request, latency and prediction series after traffic', async () => {
    for (let i = 0; i < 40; i++) {
      const res = await postJson(`${serve.address}/predict`, {text: i % 2 ? 'a gorgeous, moving film' : 'dull, lifeless and far too long'})
      expect(res.status).toBe(200)
    }
    await request(`${serve.address}/no/such/route`)

    const up = await waitFor('a successful scrape', async () => (await query('up{job="sentiops"} == 1')).at(0), 30_000, 250)
    expect(up.metric.instance).toBe(`127.0.0.1:${serve.port}`)

    const requests = await waitFor('the predict requests to be scraped', async () => {
      const [r] = await query('sentiops_http_requests_total{job="sentiops",method="POST",route="/predict",status_code="200"}')
      return r && Number(r.value[1]) >= 41 ? r : undefined
    }, 30_000, 250)
    expect(Number(requests.value[1])).toBeGreaterThanOrEqual(41)
    expect(await query('sentiops_http_requests_total{status_code="400",route="/predict"}')).toHaveLength(1)
    expect((await query('sentiops_http_requests_total{route="unmatched",status_code="404"}')).map(r => r.metric.method)).toEqual(['GET'])

    const predictions = await query('sum by (label) (sentiops_predictions_total{job="sentiops"})')
    const byLabel = Object.fromEntries(predictions.map(r => [r.metric.label, Number(r.value[1])]))
    expect(byLabel.positive).toBeGreaterThanOrEqual(20)
    expect(byLabel.negative).toBeGreaterThanOrEqual(20)

    const p99 = await query('histogram_quantile(0.99, sum by (le) (sentiops_http_request_duration_seconds_bucket{route="/predict"}))')
    expect(Number(p99[0]!.value[1])).toBeGreaterThan(0)
    expect(Number(p99[0]!.value[1])).toBeLessThanOrEqual(1)

    const info = await query('sentiops_model_info')
    expect(info).toHaveLength(1)
    // The bundle is served by path: no alias, and Prometheus drops labels with an empty value.
    expect(info[0]!.metric).toMatchObject({name: 'model', version: expect.stringMatching(/^sha256-/)})
    expect(info[0]!.metric.alias).toBeUndefined()
    expect(Number(info[0]!.value[1])).toBe(1)
    expect(Number((await query('sentiops_model_loads_total{result="success"}'))[0]!.value[1])).toBe(1)
    expect(Number((await query('sentiops_input_text_length_chars_count'))[0]!.value[1])).toBeGreaterThanOrEqual(42)
    expect(Number((await query('process_resident_memory_bytes{job="sentiops"}'))[0]!.value[1])).toBeGreaterThan(10e6)
  })
})
