import {spawnSync} from 'node:child_process'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import {afterEach, describe, expect, it} from 'vitest'
import {downloadHttp} from '../../src/core/data/sources/http.js'
import {netrcCredentials} from '../../src/core/data/sources/netrc.js'
import {put, read, tempDir} from './helpers.js'

const servers: http.Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map(s => new Promise(resolve => s.close(resolve))))
})

/** A server on 127.0.0.1 that answers 401 unless it gets Basic alice:`password`; it records what it got. */
async function basicAuthServer(password: string, redirectTo?: string): Promise<{base: string; seen: Array<string | undefined>}> {
  const seen: Array<string | undefined> = []
  const expected = `Basic ${Buffer.from(`alice:${password}`).toString('base64')}`
  const server = http.createServer((req, res) => {
    seen.push(req.headers.authorization)
    if (redirectTo) {
      res.writeHead(302, {location: redirectTo}).end()
    } else if (req.headers.authorization === expected) {
      res.writeHead(200, {'content-type': 'text/csv'}).end('text,label\ngood,1\nbad,0\n')
    } else {
      res.writeHead(401, {'www-authenticate': 'Basic realm="data"'}).end()
    }
  })
  servers.push(server)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen}
}

const NETRC_SAMPLE = [
  '# a comment line',
  'machine a.example login "us er" password "p\\"w d"',
  'macdef init',
  'cd /',
  'ls',
  '',
  'machine b.example',
  '  login bob',
  '  account acct',
  '  password bpw',
  'default login anon password guest',
  '',
].join('\n')

describe('.netrc credentials for http(s) sources', () => {
  it('reads the standard format as Python\'s netrc module does (quotes, macdef, account, default)', async () => {
    const dir = await tempDir()
    const file = await put(dir, 'netrc', NETRC_SAMPLE)
    const python = spawnSync('python3', ['-c', 'import netrc,sys,json; n=netrc.netrc(sys.argv[1]); print(json.dumps([n.authenticators(h) for h in sys.argv[2:]]))', file, 'a.example', 'b.example', 'c.example'], {encoding: 'utf8'})
    expect(python.status, python.stderr).toBe(0)
    const oracle = JSON.parse(python.stdout) as Array<[string, string, string]>
    const ours = ['a.example', 'b.example', 'c.example'].map(host => netrcCredentials(host, {NETRC: file}))
    expect(ours.map(c => [c?.login, c?.password])).toEqual(oracle.map(([login, , password]) => [login, password]))
  })

  it('sends the .netrc login for the URL\'s host and downloads from a server that requires basic auth', async () => {
    const password = 'pw-4f1b9c0e'
    const {base, seen} = await basicAuthServer(password)
    const dir = await tempDir()
    const netrc = await put(dir, 'netrc', `machine 127.0.0.1\n  login alice\n  password ${password}\n`)
    const dest = `${dir}/out.csv`
    await downloadHttp(new URL(`${base}/data.csv`), dest, {timeoutMs: 5000, retries: 0, env: {NETRC: netrc}})
    expect(await read(dest)).toBe('text,label\ngood,1\nbad,0\n')
    expect(seen).toEqual([`Basic ${Buffer.from(`alice:${password}`).toString('base64')}`])
  })

  it('without credentials a 401 says how to give them (.netrc), and wrong ones are called refused', async () => {
    const {base} = await basicAuthServer('right-password')
    const dir = await tempDir()
    const missing = await downloadHttp(new URL(`${base}/data.csv`), `${dir}/a`, {timeoutMs: 5000, retries: 0, env: {HOME: dir}}).catch((e: Error) => e)
    expect((missing as Error).message).toBe(
      `GET ${base}/data.csv: HTTP 401 Unauthorized; the server wants credentials: put "machine 127.0.0.1 login USER password SECRET" in ${dir}/.netrc (or a file named by NETRC); never in the URL, which params, dvc.lock and logs would keep`,
    )
    const netrc = await put(dir, 'wrong', 'machine 127.0.0.1 login alice password wrong-password\n')
    const refused = await downloadHttp(new URL(`${base}/data.csv`), `${dir}/b`, {timeoutMs: 5000, retries: 0, env: {NETRC: netrc}}).catch((e: Error) => e)
    expect((refused as Error).message).toBe(`GET ${base}/data.csv: HTTP 401 Unauthorized; the server refused the credentials for 127.0.0.1 in ${netrc}`)
    expect((refused as Error).message).not.toContain('wrong-password')
  })

  it('does not carry one host\'s password to the host a redirect points at', async () => {
    const target = await basicAuthServer('target-pw')
    const port = new URL(target.base).port
    // localhost is another host name than 127.0.0.1 for .netrc, as for curl and requests.
    const first = await basicAuthServer('first-pw', `http://localhost:${port}/data.csv`)
    const dir = await tempDir()
    const netrc = await put(dir, 'netrc', 'machine 127.0.0.1 login alice password first-pw\n')
    const error = await downloadHttp(new URL(`${first.base}/data.csv`), `${dir}/c`, {timeoutMs: 5000, retries: 0, env: {NETRC: netrc}}).catch((e: Error) => e)
    expect(first.seen).toEqual([`Basic ${Buffer.from('alice:first-pw').toString('base64')}`])
    expect(target.seen).toEqual([undefined])
    expect((error as Error).message).toContain('HTTP 401')
  })
})
