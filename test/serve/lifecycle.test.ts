import {cp, writeFile} from 'node:fs/promises'
import http from 'node:http'
import path from 'node:path'
import {afterEach, beforeAll, describe, expect, it} from 'vitest'
import {openStores, registerModel} from '../../src/core/tracking/index.js'
import {postJson, request, sleep, startLoad, waitFor} from './support/http.js'
import {tempDir, trainModel} from './support/model.js'
import {spawnServe, type ServeProcess} from './support/serve-process.js'

let project: string
let lrDir: string
let mnbDir: string
const started: ServeProcess[] = []

const BODIES = [
  {text: 'The acting was superb and the story kept me hooked until the very last scene.'},
  {text: 'What a waste of two hours, the plot made no sense and the dialogue was painfully bad.'},
  {texts: ['A charming, funny film.', 'It is a dull, plodding movie.']},
]

async function register(bundleDir: string) {
  const stores = openStores({cwd: project, env: {}})
  return registerModel({stores, name: 'sentiment', bundleDir, alias: 'champion', cwd: project, env: {}})
}

async function serve(args: string[]): Promise<ServeProcess> {
  const s = await spawnServe(args, {cwd: project})
  started.push(s)
  return s
}

beforeAll(async () => {
  project = await tempDir('sentiops-lifecycle-')
  lrDir = (await trainModel(project)).dir
  mnbDir = (await trainModel(project, {'train.algorithm': 'mnb', 'train.model_dir': 'models/mnb'})).dir
}, 120_000)

afterEach(async () => {
  for (const s of started.splice(0)) await s.stop('SIGKILL')
})

describe('the real `sentiops serve` process', () => {
  it('hot-swaps to a newly promoted version under load without a single failed request', async () => {
    const v1 = await register(lrDir)
    const server = await serve(['--model', 'models:/sentiment@champion', '--watch', '0.2'])
    // Readiness can answer before the child's log line has been read from its stdout: wait for the line.
    expect(await waitFor('the "model loaded" log line', () => server.logs.find(l => l.msg === 'model loaded'))).toMatchObject({model_name: 'sentiment', model_version: v1.version, alias: 'champion'})

    const load = startLoad(`${server.address}/predict`, BODIES, 8)
    await waitFor('traffic on version 1', () => (load.stats.ok > 300 ? true : undefined))
    const v2 = await register(mnbDir)
    expect(v2.version).not.toBe(v1.version)
    await waitFor('the swap to version 2', async () => {
      const res = await postJson(`${server.address}/predict`, BODIES[0])
      return JSON.parse(res.body).model.version === v2.version ? true : undefined
    })
    const okAtSwap = load.stats.ok
    await waitFor('traffic on version 2', () => (load.stats.ok > okAtSwap + 300 ? true : undefined))
    const stats = await load.stop()

    expect(stats.errors).toEqual([])
    expect(stats.non2xx).toEqual({})
    expect(stats.ok).toBe(stats.sent)
    const metrics = (await request(`${server.address}/metrics`)).body
    const info = metrics.split('\n').filter(l => l.startsWith('sentiops_model_info{'))
    expect(info).toEqual([`sentiops_model_info{name="sentiment",version="${v2.version}",alias="champion"} 1`])
    expect(metrics).toMatch(new RegExp(`^sentiops_predictions_total\\{label="\\w+",model_name="sentiment",model_version="${v1.version}"\\} \\d+$`, 'm'))
    expect(metrics).toMatch(new RegExp(`^sentiops_predictions_total\\{label="\\w+",model_name="sentiment",model_version="${v2.version}"\\} \\d+$`, 'm'))
    expect(metrics).toContain('sentiops_model_loads_total{result="success"} 2')
    expect(await waitFor('the "model swapped" log line', () => server.logs.find(l => l.msg === 'model swapped'))).toMatchObject({model_version: v2.version, previous_version: v1.version})
  })

  it('keeps serving and counts the failure when the promoted version cannot be loaded', async () => {
    const good = await register(lrDir)
    const server = await serve(['--model', 'models:/sentiment@champion', '--watch', '0.2'])
    // A version whose classifier file is truncated (e.g. an interrupted upload to the artifact store).
    const brokenDir = path.join(project, 'models', 'truncated')
    await cp(mnbDir, brokenDir, {recursive: true})
    await writeFile(path.join(brokenDir, 'classifier.json'), '{"algorithm": "mnb", "nClas')
    const broken = await register(brokenDir)
    await waitFor('the failure to be counted', async () => ((await request(`${server.address}/metrics`)).body.includes('sentiops_model_loads_total{result="failure"} 1') ? true : undefined))
    const res = await postJson(`${server.address}/predict`, BODIES[0])
    expect([res.status, JSON.parse(res.body).model.version]).toEqual([200, good.version])
    expect((await request(`${server.address}/v2/health/ready`)).status).toBe(200)
    const warning = server.logs.find(l => l.level === 40 && /the current model keeps serving$/.test(l.msg))
    expect(warning?.msg).toMatch(new RegExp(`^cannot load model models:/sentiment@champion from .*: model bundle file .*classifier.json is not valid JSON`))
    expect(warning).toMatchObject({serving_version: good.version})
    expect(broken.version).not.toBe(good.version)
  })

  it('drains on SIGTERM under load: no request dropped, readiness false, exit 0', async () => {
    const server = await serve(['--model', lrDir])
    // A probe on its own keep-alive connection, as a kubelet's readiness check.
    const probe = new http.Agent({keepAlive: true, maxSockets: 1})
    expect((await request(`${server.address}/v2/health/ready`, {agent: probe})).status).toBe(200)
    const load = startLoad(`${server.address}/predict`, BODIES, 16)
    await waitFor('traffic', () => (load.stats.ok > 500 ? true : undefined))
    const exited = server.stop('SIGTERM')
    const unready = await waitFor('readiness to go false', async () => {
      const res = await request(`${server.address}/v2/health/ready`, {agent: probe})
      return res.status === 503 ? res : undefined
    }, 5000, 10)
    expect([JSON.parse(unready.body).message, unready.headers.connection]).toEqual(['the server is shutting down', 'close'])
    const stats = await load.finished
    expect(await exited).toBe(0)
    expect(stats.errors).toEqual([])
    expect(stats.non2xx).toEqual({})
    expect(stats.ok).toBe(stats.sent)
    expect(stats.toldToClose).toBe(16)
    const stopping = server.logs.find(l => l.msg.startsWith('shutting down'))
    expect(stopping).toMatchObject({reason: 'SIGTERM'})
    expect(server.logs.at(-1)).toMatchObject({msg: 'sentiops serve stopped', clean: true})
  })

  it('logs one JSON line with the listening address and starts within the cold-start budget', async () => {
    const server = await serve(['--model', lrDir])
    const listening = server.logs.filter(l => typeof l.address === 'string')
    expect(listening).toHaveLength(1)
    expect(listening[0]).toMatchObject({level: 30, address: server.address, host: '127.0.0.1', port: server.port, msg: `sentiops serve listening at ${server.address}`})
    // The budget is 0.5 s on a quiet machine (bench/SERVE.md); a shared CI box gets slack.
    expect(server.coldStartMs).toBeLessThan(5000)
    // Nothing but JSON on stdout.
    expect(server.logs.every(l => l.level > 0)).toBe(true)
  })

  it('fails fast with one readable line and exit code 1 when the model does not exist', async () => {
    const missing = path.join(project, 'models', 'nope')
    const server = await spawnServe(['--model', missing], {cwd: project, waitForPredict: false})
    started.push(server)
    expect(await server.exited).toBe(1)
    expect(server.stderr()).toMatch(new RegExp(`^Error: .*${missing.replace(/[/.]/g, '\\$&')}`, 'm'))
    await sleep(0)
  })
})
