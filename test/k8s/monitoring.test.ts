import {spawn, type ChildProcess} from 'node:child_process'
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {execa} from 'execa'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import YAML from 'yaml'
import {readSplit} from '../../src/core/data/split-file.js'
import {trainModel} from '../serve/support/model.js'
import {compileAppRoot, REPO_ROOT} from '../support/ship-app.js'
import {freePort, promQuery, startPrometheus, type Service} from '../support/ship-services.js'

const MONITORING = path.join(REPO_ROOT, 'k8s', 'monitoring')
const RULES = path.join(MONITORING, 'alert-rules.yml')

interface Rule {
  record?: string
  alert?: string
  expr: string
}

type Panel = {title: string; targets?: Array<{expr: string}>}

describe('alert rules (promtool)', () => {
  it('promtool check rules accepts them', async () => {
    const result = await execa('promtool', ['check', 'rules', RULES], {reject: false, all: true})
    expect(result.exitCode, result.all).toBe(0)
    expect(result.all).toMatch(/SUCCESS: 9 rules found/)
  })

  it('promtool test rules: every alert fires when it should and stays quiet otherwise', async () => {
    const result = await execa('promtool', ['test', 'rules', 'alert-rules.test.yml'], {cwd: MONITORING, reject: false, all: true})
    expect(result.exitCode, result.all).toBe(0)
    const tests = YAML.parse(await readFile(path.join(MONITORING, 'alert-rules.test.yml'), 'utf8')) as {tests: Array<{alert_rule_test?: Array<{alertname: string}>}>}
    const exercised = new Set(tests.tests.flatMap(t => (t.alert_rule_test ?? []).map(a => a.alertname)))
    const alerts = (await rules()).filter(r => r.alert).map(r => r.alert)
    expect([...exercised].sort()).toEqual([...alerts].sort())
  })
})

describe('Grafana dashboard', () => {
  it('type-checks against @grafana/schema (tsc, literal types, no excess properties)', async () => {
    const dashboard = await readFile(path.join(MONITORING, 'grafana-dashboard.json'), 'utf8')
    // Inside node_modules so that '@grafana/schema' resolves from the generated file.
    const dir = path.join(REPO_ROOT, 'node_modules', '.cache', `sentiops-dashboard-${process.pid}`)
    await mkdir(dir, {recursive: true})
    try {
      await writeFile(path.join(dir, 'dashboard.ts'), `import type {Dashboard} from '@grafana/schema'\nexport const dashboard = ${dashboard.trim()} satisfies Dashboard\n`)
      const tsc = await execa(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsc'), ['--noEmit', '--strict', '--skipLibCheck', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', path.join(dir, 'dashboard.ts')], {reject: false, all: true})
      expect(tsc.exitCode, tsc.all).toBe(0)
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  })

  it('has the panels the service needs', async () => {
    const titles = (await panels()).map(p => p.title)
    expect(titles).toEqual([
      'Model version', 'Request rate by route', 'Error rate', '/predict latency', 'Predictions per class', 'Input text length', 'Model loads',
      'Input drift (PSI)', 'Predicted class mix: live vs training', 'Out-of-vocabulary share: live vs training', 'Drift window',
    ])
  })
})

/**
 * The real server (compiled CLI, `sentiops serve`) with a real model, traffic on it, and a real Prometheus
 * scraping it with alert-rules.yml loaded: every dashboard query and every rule gets data.
 */
describe('dashboards and alerts against a real Prometheus scraping a real `sentiops serve`', () => {
  let app: Awaited<ReturnType<typeof compileAppRoot>>
  let project: string
  let server: ChildProcess
  let prometheus: Service
  let port: number
  let traffic: Promise<void>
  let stopTraffic = false

  beforeAll(async () => {
    ;[app, project] = await Promise.all([compileAppRoot(), mkdtemp(path.join(os.tmpdir(), 'sentiops-monitoring-'))])
    const {dir} = await trainModel(project)
    port = await freePort()
    server = spawn(process.execPath, [path.join(app.dir, 'bin', 'run.js'), 'serve', '--model', dir, '--port', String(port), '--host', '127.0.0.1'], {cwd: project, stdio: ['ignore', 'ignore', 'pipe'], env: {...process.env, LOG_LEVEL: 'warn'}})
    let stderr = ''
    server.stderr?.on('data', (c: Buffer) => (stderr += c.toString()))
    const deadline = Date.now() + 30_000
    while (!(await fetch(`http://127.0.0.1:${port}/v2/health/ready`).then(r => r.ok, () => false))) {
      if (Date.now() > deadline || server.exitCode !== null) throw new Error(`sentiops serve did not become ready: ${stderr}`)
      await new Promise(r => setTimeout(r, 100))
    }
    // In-domain traffic: the texts of the model's own test split (its drift profile), so no drift alert fires.
    const texts = (await readSplit(path.join(project, 'data', 'raw', 'test.csv'))).map(r => r.text)
    traffic = sendTraffic(port, texts, () => stopTraffic)
    prometheus = await startPrometheus([`127.0.0.1:${port}`], [RULES])
    // Rates need two scrapes inside the window; the first scrape lands a few seconds after start.
    const until = Date.now() + 40_000
    while ((await promQuery(prometheus, 'count_over_time(sentiops_predictions_total[1m])').catch(() => [])).every(s => Number(s.value[1]) < 3)) {
      if (Date.now() > until) throw new Error('Prometheus scraped no predictions in 40 s')
      await new Promise(r => setTimeout(r, 250))
    }
    // The drift series appear once the window holds monitor.min_samples (100) texts.
    while ((await promQuery(prometheus, 'sentiops_drift_psi').catch(() => [])).length < 4) {
      if (Date.now() > until) throw new Error('Prometheus scraped no drift PSI in 40 s')
      await new Promise(r => setTimeout(r, 250))
    }
  }, 120_000)

  afterAll(async () => {
    stopTraffic = true
    await traffic
    server?.kill('SIGTERM')
    await Promise.allSettled([prometheus?.stop(), app?.remove(), project && rm(project, {recursive: true, force: true})])
  })

  it('Prometheus loaded the alert rules and they evaluate without errors', async () => {
    const response = (await (await fetch(`${prometheus.url}/api/v1/rules`)).json()) as {data: {groups: Array<{name: string; rules: Array<{name: string; health: string; lastError?: string}>}>}}
    const loaded = response.data.groups.flatMap(g => g.rules)
    expect(loaded).toHaveLength(9)
    const until = Date.now() + 10_000
    let unhealthy = loaded.filter(r => r.health !== 'ok')
    while (unhealthy.length > 0 && Date.now() < until) {
      await new Promise(r => setTimeout(r, 500))
      const again = (await (await fetch(`${prometheus.url}/api/v1/rules`)).json()) as typeof response
      unhealthy = again.data.groups.flatMap(g => g.rules).filter(r => r.health !== 'ok')
    }
    expect(unhealthy.map(r => `${r.name}: ${r.health} ${r.lastError ?? ''}`)).toEqual([])
  })

  it('every dashboard query returns data', async () => {
    for (const panel of await panels()) {
      for (const target of panel.targets ?? []) {
        const query = target.expr.replaceAll('$__rate_interval', '1m').replaceAll('$job', '.*')
        const result = await promQuery(prometheus, query)
        expect(result.length, `${panel.title}: ${query}`).toBeGreaterThan(0)
        expect(result.some(s => Number.isFinite(Number(s.value[1]))), `${panel.title}: ${query} = ${JSON.stringify(result)}`).toBe(true)
      }
    }
    const version = await promQuery(prometheus, 'max by (name, version, alias) (sentiops_model_info{job=~".*"})')
    // (an empty alias is no label at all in Prometheus)
    expect(version[0]!.metric).toEqual(expect.objectContaining({name: expect.any(String), version: expect.any(String)}))
    const classes = await promQuery(prometheus, 'sum by (label) (rate(sentiops_predictions_total[1m]))')
    expect(classes.map(s => s.metric.label).sort()).toEqual(['negative', 'positive'])
  })

  it('every alert expression evaluates, its signal has data, and none fires on a healthy server', async () => {
    for (const rule of await rules()) {
      for (const signal of signalsOf(rule)) {
        const query = rule.record ? rule.expr : signal
        const until = Date.now() + 15_000
        let result = await promQuery(prometheus, query)
        // Recording rules appear after their first evaluation.
        while (result.length === 0 && Date.now() < until) {
          await new Promise(r => setTimeout(r, 500))
          result = await promQuery(prometheus, rule.record ?? query)
        }
        expect(result.length, `${rule.record ?? rule.alert}: ${query}`).toBeGreaterThan(0)
      }
      if (rule.alert) {
        expect(await promQuery(prometheus, rule.expr), `${rule.alert} fires on a healthy server`).toEqual([])
      }
    }
  })
})

async function rules(): Promise<Rule[]> {
  const file = YAML.parse(await readFile(RULES, 'utf8')) as {groups: Array<{rules: Rule[]}>}
  return file.groups.flatMap(g => g.rules)
}

async function panels(): Promise<Panel[]> {
  return (JSON.parse(await readFile(path.join(MONITORING, 'grafana-dashboard.json'), 'utf8')) as {panels: Panel[]}).panels
}

/** What an alert watches: its expression without the threshold; both sides of an `unless`. */
function signalsOf(rule: Rule): string[] {
  if (rule.record) return [rule.expr]
  const sides = rule.expr.split(/\bunless\b/)
  return sides.map(side => side.trim().replace(/\s*(>|<|>=|<=|==|!=)\s*[\d.]+\s*$/, ''))
}

/** `texts` in turn, and one invalid request in ten, until told to stop, a few per 100 ms. */
async function sendTraffic(port: number, texts: readonly string[], stop: () => boolean): Promise<void> {
  for (let i = 0; !stop() && i < 2000; i++) {
    const body = i % 10 === 9 ? '{"nope": 1}' : JSON.stringify({text: texts[i % texts.length]})
    await fetch(`http://127.0.0.1:${port}/predict`, {method: 'POST', headers: {'content-type': 'application/json'}, body}).then(r => r.arrayBuffer(), () => undefined)
    await new Promise(r => setTimeout(r, 25))
  }
}
