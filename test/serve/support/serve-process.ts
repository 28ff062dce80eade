import {execFileSync, spawn, type ChildProcess} from 'node:child_process'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {request, waitFor} from './http.js'

export const ROOT = path.resolve(import.meta.dirname, '../../..')
export const BIN = path.join(ROOT, 'bin/run.js')

/** Installs Prometheus, Chromium and wrk when missing (scripts/deps/serve.sh); throws when that fails. */
export function ensureServeDeps(): void {
  try {
    execFileSync('bash', [path.join(ROOT, 'scripts/deps/serve.sh')], {stdio: ['ignore', 'ignore', 'pipe'], timeout: 600_000})
  } catch (error) {
    const stderr = (error as {stderr?: Buffer}).stderr?.toString().trim()
    throw new Error(`scripts/deps/serve.sh failed: these tests need Prometheus, Chromium and wrk from Debian. ${stderr ?? (error as Error).message}`)
  }
}

export interface LogLine {
  level: number
  msg: string
  [key: string]: unknown
}

export interface ServeProcess {
  proc: ChildProcess
  pid: number
  address: string
  port: number
  /** Milliseconds from spawn to the first 200 of POST /predict. */
  coldStartMs: number
  logs: LogLine[]
  stderr: () => string
  /** Sends `signal` and resolves with the exit code once the process ended. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
  exited: Promise<number | null>
  /** Resident memory of the server process, from /proc (KiB). */
  rssKiB(): number
}

/**
 * Starts the real `sentiops serve` (bin/run.js → dist/), by default on 127.0.0.1 and a free port, waits for
 * its "listening" log line and for the first 200 from POST /predict.
 */
export async function spawnServe(args: string[], opts: {cwd: string; env?: NodeJS.ProcessEnv; waitForPredict?: boolean; addressFlags?: boolean}): Promise<ServeProcess> {
  const env: NodeJS.ProcessEnv = {...process.env, LOG_LEVEL: 'info', ...opts.env}
  for (const k of Object.keys(env)) {
    if ((k.startsWith('SENTIOPS_') || k.startsWith('MLFLOW_') || k === 'PORT' || k === 'HOST') && !(opts.env && k in opts.env)) delete env[k]
  }
  const started = performance.now()
  const addressFlags = opts.addressFlags === false ? [] : ['--host', '127.0.0.1', '--port', '0']
  const proc = spawn(process.execPath, [BIN, 'serve', ...addressFlags, ...args], {cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe']})
  const logs: LogLine[] = []
  let stderr = ''
  let buffered = ''
  proc.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString()
    let nl
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl)
      buffered = buffered.slice(nl + 1)
      try {
        logs.push(JSON.parse(line) as LogLine)
      } catch {
        logs.push({level: 0, msg: `(not JSON) ${line}`})
      }
    }
  })
  proc.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<number | null>(resolve => proc.on('exit', code => resolve(code)))
  let exitCode: number | null | undefined
  void exited.then(code => (exitCode = code))

  const listening = await waitFor('the "listening" log line', () => {
    if (exitCode !== undefined) throw new Error(`sentiops serve exited with ${exitCode}: ${stderr.trim()}`)
    return logs.find(l => typeof l.address === 'string' && typeof l.port === 'number')
  }, 30_000, 5)
  const address = listening.address as string
  let coldStartMs = Number.NaN
  if (opts.waitForPredict !== false) {
    await waitFor('the first 200 from POST /predict', async () => {
      if (exitCode !== undefined) throw new Error(`sentiops serve exited with ${exitCode}: ${stderr.trim()}`)
      const res = await request(`${address}/predict`, {body: '{"text":"warm up"}', headers: {'content-type': 'application/json'}})
      return res.status === 200 ? true : undefined
    }, 30_000, 5)
    coldStartMs = performance.now() - started
  }
  return {
    proc,
    pid: proc.pid!,
    address,
    port: listening.port as number,
    coldStartMs,
    logs,
    stderr: () => stderr,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (exitCode === undefined) proc.kill(signal)
      return exited
    },
    rssKiB() {
      const status = readFileSync(`/proc/${proc.pid}/status`, 'utf8')
      return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN)
    },
  }
}
