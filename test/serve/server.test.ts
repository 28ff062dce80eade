import net from 'node:net'
import {afterEach, beforeAll, describe, expect, it} from 'vitest'
import {loadBundle} from '../../src/core/bundle/index.js'
import {validateParams} from '../../src/core/config/index.js'
import type {ServeParams} from '../../src/core/config/params.js'
import {startServer, type RunningServer, type StartServerOptions} from '../../src/serve/server.js'
import {fakeBundle} from './support/fake-bundle.js'
import {postJson, request, sleep, startLoad, waitFor} from './support/http.js'
import {tempDir, trainModel} from './support/model.js'

let modelDir: string
const running: RunningServer[] = []

function serveConfig(serve: Partial<ServeParams>): ServeParams {
  return validateParams({serve: {host: '127.0.0.1', port: 0, model: modelDir, ...serve}}).serve
}

async function start(serve: Partial<ServeParams> = {}, extra: Partial<StartServerOptions> = {}): Promise<RunningServer> {
  const server = await startServer({config: serveConfig(serve), resolve: async uri => ({dir: uri, name: 'sentiment', version: '1'}), load: loadBundle, logLevel: 'silent', handleSignals: false, ...extra})
  running.push(server)
  return server
}

beforeAll(async () => {
  modelDir = (await trainModel(await tempDir())).dir
})

afterEach(async () => {
  for (const s of running.splice(0)) await s.shutdown('test cleanup')
})

/** Opens a raw socket and writes `head` (a partial request), returning the socket and what it receives. */
function partialRequest(port: number, head: string) {
  const socket = net.connect(port, '127.0.0.1')
  let received = ''
  socket.on('data', c => (received += c.toString()))
  const closed = new Promise<void>(resolve => socket.on('close', () => resolve()))
  socket.on('error', () => {})
  socket.write(head)
  return {socket, closed, received: () => received}
}

describe('startServer', () => {
  it('listens first (live at once), becomes ready when the model is in, and predicts', async () => {
    let release!: () => void
    const gate = new Promise<void>(resolve => (release = resolve))
    const server = await start({}, {load: async dir => (await gate, loadBundle(dir))})
    expect(server.address).toBe(`http://127.0.0.1:${server.port}`)
    expect((await request(`${server.address}/v2/health/live`)).status).toBe(200)
    expect((await request(`${server.address}/v2/health/ready`)).status).toBe(503)
    release()
    await server.modelLoaded
    expect((await request(`${server.address}/v2/health/ready`)).status).toBe(200)
    const res = await postJson(`${server.address}/predict`, {text: 'a wonderful, moving film'})
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body).label).toBe('positive')
  })

  it('shuts down under load without dropping a request: clients are told to close, in-flight requests finish', async () => {
    const server = await start()
    await server.modelLoaded
    const load = startLoad(`${server.address}/predict`, [{text: 'a gorgeous film'}, {texts: ['dull', 'witty and warm']}], 16)
    await waitFor('traffic', () => (load.stats.ok > 500 ? true : undefined))
    const result = await server.shutdown('test')
    const stats = await load.finished
    expect(result.clean).toBe(true)
    expect(stats.errors).toEqual([])
    expect(stats.non2xx).toEqual({})
    expect(stats.ok).toBe(stats.sent)
    expect(stats.toldToClose).toBe(16)
    await expect(request(`${server.address}/v2/health/live`)).rejects.toMatchObject({code: 'ECONNREFUSED'})
  })

  it('lets a request whose body is still arriving finish during shutdown', async () => {
    const server = await start()
    await server.modelLoaded
    const body = JSON.stringify({text: 'a wonderful, moving film'})
    const half = Math.floor(body.length / 2)
    const client = partialRequest(server.port, `POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, half)}`)
    await sleep(100)
    const shutdown = server.shutdown('test')
    await sleep(300)
    client.socket.write(body.slice(half))
    const result = await shutdown
    await client.closed
    expect(result.clean).toBe(true)
    expect(client.received()).toMatch(/^HTTP\/1.1 200 OK\r\n/)
    expect(client.received()).toMatch(/\r\nconnection: close\r\n/i)
    expect(client.received()).toContain('"label":"positive"')
  })

  it('cuts what is still running when the grace period ends', async () => {
    const server = await start({grace_period_ms: 300})
    await server.modelLoaded
    const client = partialRequest(server.port, 'POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"te')
    await sleep(100)
    const started = Date.now()
    const result = await server.shutdown('test')
    await client.closed
    expect(result.clean).toBe(false)
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('stops with the load error when the first model fails to load and --watch is off', async () => {
    const server = await start({model: '/nonexistent/model'})
    await expect(server.modelLoaded).rejects.toThrow('no model bundle at /nonexistent/model')
    const result = await server.closed
    expect(result.error?.message).toMatch(/^no model bundle at \/nonexistent\/model/)
  })

  it('with --watch, stays up unready until the URI points to a model, then serves it', async () => {
    let target: string | undefined
    const server = await start({watch_interval: 0.05}, {resolve: async () => {
      if (target === undefined) throw new Error('models:/sentiment@champion: alias champion is not set')
      return {dir: target, name: 'sentiment', version: '4', alias: 'champion'}
    }})
    await sleep(150)
    expect((await request(`${server.address}/v2/health/ready`)).status).toBe(503)
    target = modelDir
    const model = await server.modelLoaded
    expect(model.version).toBe('4')
    expect((await request(`${server.address}/v2/health/ready`)).status).toBe(200)
  })

  it('answers a client that sends its headers too slowly with 408 and closes the connection', async () => {
    const server = await start({}, {timeouts: {headersMs: 300, requestMs: 600}})
    await server.modelLoaded
    const client = partialRequest(server.port, 'POST /predict HTTP/1.1\r\nHost: x\r\n')
    await client.closed
    expect(client.received()).toMatch(/^HTTP\/1.1 408 Request Timeout/)
  })

  it('names the port when it is taken, and rejects an unknown LOG_LEVEL', async () => {
    const first = await start()
    await expect(start({port: first.port})).rejects.toThrow(`cannot listen on 127.0.0.1:${first.port}: the port is in use`)
    await expect(start({}, {logLevel: 'loud'})).rejects.toThrow('LOG_LEVEL=loud is not a log level; use one of fatal, error, warn, info, debug, trace, silent')
  })

  it('counts a failed hot swap and keeps serving the old version', async () => {
    let dir = modelDir
    let version = '1'
    const server = await start({watch_interval: 0.05}, {
      resolve: async () => ({dir, name: 'sentiment', version}),
      load: async d => (d === modelDir ? loadBundle(d) : fakeBundle(d, {throwOnPredict: true})),
    })
    await server.modelLoaded
    dir = '/elsewhere'
    version = '2'
    await waitFor('the failed load to be counted', async () => ((await server.metrics.render()).includes('sentiops_model_loads_total{result="failure"} 1') ? true : undefined))
    expect(server.holder.model?.version).toBe('1')
    expect((await request(`${server.address}/v2/health/ready`)).status).toBe(200)
    expect((await postJson(`${server.address}/predict`, {text: 'fine'})).status).toBe(200)
  })
})
