import {spawn} from 'node:child_process'
import {chmod, mkdtemp, readdir, readFile, writeFile} from 'node:fs/promises'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BIN, ROOT, tempProject, type CliResult} from '../support/cli.js'

// Planted secrets: none may appear in any output or in any file under the project.
const PASSWORD = 'Planted-pw-5d2e81'
const SIGNATURE = 'feedc0de5d2e81planted'
const ACCESS_KEY = 'AKIAPLANTED5D2E81'
const BASIC = Buffer.from(`alice:${PASSWORD}`).toString('base64')
const SECRETS = [PASSWORD, SIGNATURE, ACCESS_KEY, BASIC]

const CSV = ['text,label', ...Array.from({length: 40}, (_, i) => [`great movie number ${i} loved it,1`, `terrible film number ${i} hated it,0`]).flat(), ''].join('\n')

let server: http.Server
let base: string
const requests: Array<{url?: string; authorization?: string}> = []

beforeAll(async () => {
  server = http.createServer((req, res) => {
    requests.push({url: req.url, authorization: req.headers.authorization})
    if (req.headers.authorization !== `Basic ${BASIC}`) res.writeHead(401, {'www-authenticate': 'Basic realm="data"'}).end()
    else res.writeHead(200, {'content-type': 'text/csv'}).end(CSV)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise(resolve => server.close(resolve)))

/** The real binary, run without blocking this process: the test's http server must keep answering. */
function sentiops(args: string[], opts: {cwd: string; env: NodeJS.ProcessEnv}): Promise<CliResult> {
  const env = Object.fromEntries(Object.entries({...process.env, ...opts.env}).filter(([k]) => !k.startsWith('SENTIOPS_') && k !== 'MLFLOW_TRACKING_URI' && k !== 'NETRC'))
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', code => resolve({code: code ?? -1, stdout, stderr}))
  })
}

/** The shipped params.yaml with another ingest.source. */
async function projectWithSource(source: string): Promise<string> {
  const cwd = await tempProject('sentiops-secret-')
  const shipped = await readFile(path.join(ROOT, 'params.yaml'), 'utf8')
  await writeFile(path.join(cwd, 'params.yaml'), shipped.replace(/^ {2}source: builtin:uci\b/m, `  source: ${source}`))
  return cwd
}

/** Every file sentiops wrote under `dir` (dvc.lock, reports, models/*\/MLmodel, mlruns, the DVC cache...) with its text. */
async function filesUnder(dir: string): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = []
  for (const entry of await readdir(dir, {withFileTypes: true, recursive: true})) {
    if (entry.isFile() && !(entry.parentPath === dir && entry.name === 'params.yaml')) {
      const file = path.join(entry.parentPath, entry.name)
      out.push([path.relative(dir, file), await readFile(file, 'latin1')])
    }
  }
  return out
}

async function expectNoSecret(cwd: string, results: CliResult[]): Promise<void> {
  for (const secret of SECRETS) {
    for (const r of results) {
      expect(r.stdout).not.toContain(secret)
      expect(r.stderr).not.toContain(secret)
    }
    for (const [file, text] of await filesUnder(cwd)) expect(text.includes(secret), `${file} holds a planted secret`).toBe(false)
  }
}

async function homeWithNetrc(content?: string): Promise<string> {
  const home = await mkdtemp(path.join(tmpdir(), 'sentiops-home-'))
  if (content !== undefined) {
    await writeFile(path.join(home, '.netrc'), content)
    await chmod(path.join(home, '.netrc'), 0o600)
  }
  return home
}

describe('credentials in a source URL (real binary): refused in params, never printed or written', () => {
  it('refuses user:password in params.yaml for repro and ingest, in text and --json, before any request', async () => {
    const cwd = await projectWithSource(`http://alice:${PASSWORD}@127.0.0.1:${new URL(base).port}/reviews.csv`)
    const env = {HOME: await homeWithNetrc()}
    const before = requests.length
    const runs = [await sentiops(['repro'], {cwd, env}), await sentiops(['repro', '--json'], {cwd, env}), await sentiops(['ingest', '--json'], {cwd, env})]
    expect(runs.map(r => r.code)).toEqual([1, 1, 1])
    expect(runs[0].stderr).toContain(`Error: params.yaml: ingest.source = http://***@127.0.0.1:${new URL(base).port}/reviews.csv carries a password (user:password@)`)
    expect(runs[0].stderr).toContain('hint: http(s) sources: a ~/.netrc entry')
    const json = JSON.parse(runs[1].stdout) as {status: string; error: {code: string; message: string; suggestions: string[]}}
    expect(json.status).toBe('error')
    expect(json.error.code).toBe('CONFIG_INVALID')
    expect(json.error.suggestions.join(' ')).toMatch(/\.netrc.*AWS credential chain.*MLFLOW_TRACKING_USERNAME/)
    expect(requests.length).toBe(before)
    await expectNoSecret(cwd, runs)
  })

  it('refuses a presigned URL given with --set, for ingest and repro', async () => {
    const cwd = await projectWithSource('builtin:uci')
    const presigned = `${base}/reviews.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${ACCESS_KEY}%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=${SIGNATURE}`
    const env = {HOME: await homeWithNetrc()}
    const runs = [
      await sentiops(['ingest', '--set', `ingest.source=${presigned}`], {cwd, env}),
      await sentiops(['ingest', '--json', '--source', presigned], {cwd, env}),
      await sentiops(['repro', '--json', '--set', `ingest.source=${presigned}`], {cwd, env}),
    ]
    expect(runs.map(r => r.code)).toEqual([1, 1, 1])
    expect(runs[0].stderr).toContain('carries the query parameters X-Amz-Credential, X-Amz-Signature')
    await expectNoSecret(cwd, runs)
  })

  it('runs the whole pipeline with the password in ~/.netrc, and nothing under the project holds it', async () => {
    const url = `${base}/reviews.csv`
    const cwd = await projectWithSource(url)
    const env = {HOME: await homeWithNetrc(`machine 127.0.0.1\n  login alice\n  password ${PASSWORD}\n`)}
    const before = requests.length
    const repro = await sentiops(['repro', '--json'], {cwd, env})
    expect(repro.code, repro.stderr).toBe(0)
    const ingest = await sentiops(['ingest', '--json'], {cwd, env})
    expect(ingest.code, ingest.stderr).toBe(0)
    expect((JSON.parse(ingest.stdout) as {result: {report: {source: string}}}).result.report.source).toBe(url)
    expect(requests.slice(before).map(r => r.authorization)).toEqual([`Basic ${BASIC}`, `Basic ${BASIC}`])
    const files = new Map(await filesUnder(cwd))
    expect(files.get('dvc.lock')).toContain(`source: ${url}\n`)
    expect([...files.keys()]).toEqual(expect.arrayContaining(['models/model/MLmodel', 'reports/metrics.json']))
    expect([...files.keys()].some(f => f.startsWith('mlruns/'))).toBe(true)
    await expectNoSecret(cwd, [repro, ingest])
  })

  it('without credentials anywhere, the 401 says to use .netrc', async () => {
    const cwd = await projectWithSource(`${base}/reviews.csv`)
    const r = await sentiops(['ingest'], {cwd, env: {HOME: await homeWithNetrc()}})
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`HTTP 401 Unauthorized; the server wants credentials: put "machine 127.0.0.1 login USER password SECRET" in `)
  })
})
