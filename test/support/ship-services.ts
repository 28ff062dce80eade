import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {createServer} from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {execa} from 'execa'
import YAML from 'yaml'

/**
 * Real local stand-ins started per test file on 127.0.0.1 with their own temp dirs, stopped by PID:
 * moto_server (ECR/EKS/S3 APIs), the Debian docker-registry with ECR-style htpasswd auth, and Prometheus.
 */

export interface Service {
  url: string
  port: number
  dir: string
  stop(): Promise<void>
}

/** moto's fixed ECR authorization token is base64("AWS:123456789012-auth-token"). */
export const MOTO_ECR_PASSWORD = '123456789012-auth-token'

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as {port: number}
      server.close(() => resolve(port))
    })
  })
}

async function startProcess(name: string, command: string, args: (port: number, dir: string) => Promise<string[]>, ready: (url: string) => Promise<boolean>): Promise<Service> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `sentiops-${name}-`))
  let lastError = ''
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    const child: ChildProcess = spawn(command, await args(port, dir), {stdio: ['ignore', 'ignore', 'pipe'], env: {...process.env, PYTHONUNBUFFERED: '1'}})
    let stderr = ''
    child.stderr?.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString()).slice(-4000)
    })
    const deadline = Date.now() + 20_000
    while (Date.now() < deadline && child.exitCode === null) {
      if (await ready(url).catch(() => false)) {
        return {url, port, dir, stop: () => stopProcess(child, dir)}
      }
      await new Promise(r => setTimeout(r, 100))
    }
    lastError = stderr.split('\n').slice(-5).join('\n')
    await stopProcess(child)
  }
  await rm(dir, {recursive: true, force: true})
  throw new Error(`${name} did not start: ${lastError}`)
}

async function stopProcess(child: ChildProcess, dir?: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM')
    await new Promise<void>(resolve => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        resolve()
      }, 5000)
      child.once('exit', () => {
        clearTimeout(timer)
        resolve()
      })
    })
  }
  if (dir) await rm(dir, {recursive: true, force: true})
}

export async function startMoto(): Promise<Service> {
  return startProcess('moto', 'moto_server', async port => ['-H', '127.0.0.1', '-p', String(port)], async url => (await fetch(`${url}/moto-api/`)).ok)
}

/** The Debian docker-registry on loopback with htpasswd auth for user AWS and moto's ECR token as password. */
export async function startRegistry(): Promise<Service> {
  return startProcess('registry', 'docker-registry', async (port, dir) => {
    const htpasswd = path.join(dir, 'htpasswd')
    const {stdout} = await execa('htpasswd', ['-Bbn', 'AWS', MOTO_ECR_PASSWORD])
    await writeFile(htpasswd, stdout)
    const config = path.join(dir, 'config.yml')
    await writeFile(config, YAML.stringify({
      version: 0.1,
      log: {level: 'warn'},
      storage: {filesystem: {rootdirectory: path.join(dir, 'data')}, delete: {enabled: true}},
      http: {addr: `127.0.0.1:${port}`},
      auth: {htpasswd: {realm: 'sentiops-test', path: htpasswd}},
    }))
    return ['serve', config]
  }, async url => (await fetch(`${url}/v2/`)).status === 401)
}

/** Prometheus scraping `targets` (host:port) every second; the first scrape lands a few seconds after start. */
export async function startPrometheus(targets: string[], ruleFiles: string[] = []): Promise<Service> {
  return startProcess('prometheus', 'prometheus', async (port, dir) => {
    const config = path.join(dir, 'prometheus.yml')
    await writeFile(config, YAML.stringify({
      global: {scrape_interval: '1s', evaluation_interval: '1s'},
      rule_files: ruleFiles,
      scrape_configs: [{job_name: 'sentiops', static_configs: [{targets}]}],
    }))
    return ['--config.file', config, '--storage.tsdb.path', path.join(dir, 'data'), '--web.listen-address', `127.0.0.1:${port}`, '--web.enable-lifecycle', '--log.level=warn']
  }, async url => (await fetch(`${url}/-/ready`)).ok)
}

/** Runs one PromQL query; returns the result vector/matrix. */
export async function promQuery(prometheus: Service, query: string): Promise<Array<{metric: Record<string, string>; value: [number, string]}>> {
  const response = await fetch(`${prometheus.url}/api/v1/query`, {method: 'POST', body: new URLSearchParams({query})})
  const body = (await response.json()) as {status: string; error?: string; data?: {result: Array<{metric: Record<string, string>; value: [number, string]}>}}
  if (body.status !== 'success') throw new Error(`query ${query} failed: ${body.error}`)
  return body.data!.result
}
