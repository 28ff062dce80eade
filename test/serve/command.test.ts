import {writeFile} from 'node:fs/promises'
import path from 'node:path'
import {afterEach, beforeAll, describe, expect, it} from 'vitest'
import {watchSeconds, withOptionalValue} from '../../src/commands/serve.js'
import {loadBundle} from '../../src/core/bundle/index.js'
import {sentiops} from '../support/cli.js'
import {freePort, request} from './support/http.js'
import {tempDir, trainModel} from './support/model.js'
import {spawnServe, type ServeProcess} from './support/serve-process.js'

let project: string
let modelDir: string
const started: ServeProcess[] = []

beforeAll(async () => {
  project = await tempDir('sentiops-serve-cmd-')
  modelDir = (await trainModel(project)).dir
}, 120_000)

afterEach(async () => {
  for (const s of started.splice(0)) await s.stop()
})

describe('serve flag helpers', () => {
  it('gives a bare --watch a value and leaves everything else alone', () => {
    expect(withOptionalValue(['--watch'], '--watch', 'default')).toEqual(['--watch', 'default'])
    expect(withOptionalValue(['--watch', '--port', '1'], '--watch', 'default')).toEqual(['--watch', 'default', '--port', '1'])
    expect(withOptionalValue(['--watch', '5', '--port', '1'], '--watch', 'default')).toEqual(['--watch', '5', '--port', '1'])
    expect(withOptionalValue(['--model', 'm', '--', '--watch'], '--watch', 'default')).toEqual(['--model', 'm', '--', '--watch'])
  })

  it('turns --watch into seconds between polls', () => {
    expect(watchSeconds(undefined, 0)).toBe(0)
    expect(watchSeconds(undefined, 15)).toBe(15)
    expect(watchSeconds('default', 0)).toBe(30)
    expect(watchSeconds('default', 12)).toBe(12)
    expect(watchSeconds('2.5', 0)).toBe(2.5)
    expect(() => watchSeconds('soon', 0)).toThrow('--watch soon: expected a number of seconds (e.g. --watch 30), or no value')
  })
})

describe('sentiops serve (real binary)', () => {
  it('takes the port from the flag over PORT over params.yaml, and the model from SENTIOPS_MODEL', async () => {
    const [fromParams, fromEnv, fromFlag] = [await freePort(), await freePort(), await freePort()]
    await writeFile(path.join(project, 'params.yaml'), `serve:\n  host: 127.0.0.1\n  port: ${fromParams}\n  model: models/none\n`)
    const byEnv = await spawnServe([], {cwd: project, addressFlags: false, env: {PORT: String(fromEnv), SENTIOPS_MODEL: modelDir}})
    started.push(byEnv)
    expect(byEnv.port).toBe(fromEnv)
    expect(byEnv.logs[0]).toMatchObject({host: '127.0.0.1', model: modelDir})
    const byFlag = await spawnServe(['--port', String(fromFlag), '--model', modelDir], {cwd: project, addressFlags: false, env: {PORT: String(fromEnv + 1)}})
    started.push(byFlag)
    expect(byFlag.port).toBe(fromFlag)
  })

  it('polls at serve.watch_interval or 30 s with a bare --watch', async () => {
    await writeFile(path.join(project, 'params.yaml'), 'serve:\n  watch_interval: 0\n')
    const server = await spawnServe(['--model', modelDir, '--watch'], {cwd: project})
    started.push(server)
    expect(server.logs[0]).toMatchObject({watch_interval_s: 30})
  })

  it('takes the live drift window from --drift-window over SENTIOPS_DRIFT_WINDOW over monitor.window; 0 turns it off', async () => {
    await writeFile(path.join(project, 'params.yaml'), 'monitor:\n  window: 7\n  min_samples: 1\n')
    const fromParams = await spawnServe(['--model', modelDir], {cwd: project})
    const fromEnv = await spawnServe(['--model', modelDir], {cwd: project, env: {SENTIOPS_DRIFT_WINDOW: '5'}})
    const off = await spawnServe(['--model', modelDir, '--drift-window', '0'], {cwd: project, env: {SENTIOPS_DRIFT_WINDOW: '5'}})
    started.push(fromParams, fromEnv, off)
    expect([fromParams, fromEnv, off].map(s => s.logs[0]!.drift_window)).toEqual([7, 5, 0])
    const metrics = async (s: ServeProcess) => (await request(`${s.address}/metrics`)).body
    // The warm-up request of spawnServe is in the window (min_samples 1): the PSI series are there.
    expect(await metrics(fromParams)).toMatch(/^sentiops_drift_window_texts 1$/m)
    expect(await metrics(fromParams)).toMatch(/^sentiops_drift_psi\{signal="oov_rate"\} /m)
    expect(await metrics(off)).not.toMatch(/sentiops_drift_/)
    const negative = sentiops(['serve', '--model', modelDir, '--drift-window', '-1'], {cwd: project})
    expect(negative.code).toBe(2)
  })

  it('rejects bad values with one line and the usage or user exit code', () => {
    const watch = sentiops(['serve', '--model', modelDir, '--watch', 'soon'], {cwd: project})
    expect([watch.code, watch.stderr.split('\n')[0]]).toEqual([2, 'Error: --watch soon: expected a number of seconds (e.g. --watch 30), or no value'])
    const port = sentiops(['serve', '--model', modelDir, '--port', '70000'], {cwd: project})
    expect(port.code).toBe(2)
    const cors = sentiops(['serve', '--model', modelDir, '--port', '0', '--set', 'serve.cors_origin=ftp:/x'], {cwd: project})
    expect([cors.code, cors.stderr.split('\n')[0]]).toEqual([1, 'Error: serve.cors_origin: "ftp:/x" is not an origin (scheme://host[:port], no path); did you mean ftp://x?'])
  })

  it('documents the routes, the settings and the exit codes in --help', () => {
    // vitest sets NODE_ENV=test, which makes oclif look for the help class in src/ (reported to the lead).
    const help = sentiops(['serve', '--help'], {cwd: project, env: {NODE_ENV: 'production'}})
    expect(help.code, help.stderr).toBe(0)
    for (const part of ['POST /predict', 'POST /invocations', '/v2/health/ready', 'GET /metrics', '--watch', 'PORT', 'SENTIOPS_MODEL', 'LOG_LEVEL', 'EXIT CODES', '--drift-window', 'SENTIOPS_DRIFT_WINDOW', 'sentiops_drift_psi']) expect(help.stdout).toContain(part)
  })
})

describe('sentiops explain (real binary)', () => {
  it('prints the label and the words on each side', async () => {
    const text = 'a wonderful film with terrible acting'
    const expected = (await loadBundle(modelDir)).explain(text, 2)
    const out = sentiops(['explain', text, '--model', modelDir, '--top-k', '2'], {cwd: project})
    expect(out.code, out.stderr).toBe(0)
    const lines = out.stdout.trimEnd().split('\n')
    expect(lines[0]).toBe(`${expected.label} (score ${expected.score.toFixed(4)}, exact contributions to "${expected.target}")`)
    expect(lines[1]).toBe(`  processed: ${expected.processed}`)
    expect(lines[4]).toMatch(new RegExp(`^ {4}${expected.positive[0]!.token} +\\+${expected.positive[0]!.contribution.toFixed(4)}$`))
    expect(out.stdout).toMatch(/against \w+:\n {4}\S+ +-\d\.\d{4}\n/)
  })

  it('refuses an empty text and a missing model with one line each', () => {
    const empty = sentiops(['explain', '   ', '--model', modelDir], {cwd: project})
    expect([empty.code, empty.stderr.split('\n')[0]]).toEqual([2, 'Error: TEXT is empty: give the text to explain, e.g. sentiops explain "a witty film"'])
    const missing = sentiops(['explain', 'fine', '--model', path.join(project, 'nope')], {cwd: project})
    expect(missing.code).toBe(1)
    expect(missing.stderr.split('\n')[0]).toMatch(/^Error: .*nope/)
  })
})
