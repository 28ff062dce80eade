import http from 'node:http'
import net from 'node:net'

export interface HttpResult {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

/** One request over a real socket (keep-alive when an agent is given). */
export function request(url: string, options: {method?: string; body?: string; headers?: Record<string, string>; agent?: http.Agent; timeoutMs?: number} = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {method: options.method ?? (options.body === undefined ? 'GET' : 'POST'), headers: options.headers, agent: options.agent ?? false}, res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8')}))
      res.on('error', reject)
    })
    req.on('error', reject)
    if (options.timeoutMs) req.setTimeout(options.timeoutMs, () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)))
    req.end(options.body)
  })
}

export function postJson(url: string, value: unknown, agent?: http.Agent): Promise<HttpResult> {
  return request(url, {body: JSON.stringify(value), headers: {'content-type': 'application/json'}, agent})
}

export interface LoadStats {
  sent: number
  ok: number
  /** status → count, for every answer that was not 2xx. */
  non2xx: Record<number, number>
  /** Error codes of requests that got no answer (ECONNRESET, ECONNREFUSED, ...). */
  errors: string[]
  /** Workers that stopped because the server asked them to close the connection. */
  toldToClose: number
}

/**
 * A bounded closed-loop load on loopback: `concurrency` workers, each on its own keep-alive connection,
 * sending the next request as soon as the last one is answered, until `stop()` is called. A worker whose
 * answer carries `Connection: close` stops, as a load balancer moves traffic off a draining backend.
 */
export function startLoad(url: string, bodies: readonly unknown[], concurrency: number) {
  const stats: LoadStats = {sent: 0, ok: 0, non2xx: {}, errors: [], toldToClose: 0}
  let stopped = false
  const agents: http.Agent[] = []
  const worker = async (w: number) => {
    const agent = new http.Agent({keepAlive: true, maxSockets: 1})
    agents.push(agent)
    let i = w
    while (!stopped) {
      stats.sent++
      try {
        const res = await postJson(url, bodies[i++ % bodies.length], agent)
        if (res.status >= 200 && res.status < 300) stats.ok++
        else stats.non2xx[res.status] = (stats.non2xx[res.status] ?? 0) + 1
        if (res.headers.connection === 'close') {
          stats.toldToClose++
          break
        }
      } catch (error) {
        stats.errors.push((error as NodeJS.ErrnoException).code ?? String(error))
        break
      }
    }
  }
  const done = Promise.all(Array.from({length: concurrency}, (_, w) => worker(w)))
  return {
    stats,
    /** Stops sending and resolves with the stats once every worker finished its last request. */
    async stop(): Promise<LoadStats> {
      stopped = true
      await done
      for (const a of agents) a.destroy()
      return stats
    },
    /** Resolves when every worker ended on its own (told to close, or an error). */
    finished: done.then(() => stats),
  }
}

/** A port nothing listens on right now (for tools that need a port number up front). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

export function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}

/** Polls `check` until it returns a value (not undefined) or `timeoutMs` passes. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  while (Date.now() < deadline) {
    try {
      const value = await check()
      if (value !== undefined) return value
    } catch (error) {
      lastError = error
    }
    await sleep(everyMs)
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`)
}
