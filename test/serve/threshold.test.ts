import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {parse} from 'csv-parse/sync'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {imbalancedProject, predictFile, type ImbalancedProject} from '../cli/imbalanced-project.js'
import {sentiops} from '../support/cli.js'
import {postJson} from './support/http.js'
import {spawnServe, type ServeProcess} from './support/serve-process.js'

describe('sentiops serve answers with the bundle threshold (real binary, evaluate.threshold auto)', () => {
  let project: ImbalancedProject
  let server: ServeProcess | undefined
  let between: string | undefined

  beforeAll(async () => {
    project = await imbalancedProject('sentiops-serve-threshold-')
    if (project.repro.code !== 0) return
    const t = project.threshold!
    const rows = parse(await readFile(path.join(project.dir, 'data/raw/test.csv'), 'utf8'), {columns: true}) as Array<{text: string}>
    const scored = predictFile(project.dir, 'data/raw/test.csv')
    between = rows.find((_, i) => (scored[i].probabilities.positive - t) * (scored[i].probabilities.positive - 0.5) < 0)?.text
    server = await spawnServe(['--model', path.join(project.dir, 'models/model')], {cwd: project.dir})
  }, 180_000)

  afterAll(async () => {
    await server?.stop()
  })

  it('labels a text scored between 0.5 and the threshold as `sentiops predict` does: by the threshold', async () => {
    expect(project.repro.code, project.repro.stderr).toBe(0)
    expect(between, 'a test text scored between the threshold and 0.5').toBeDefined()
    const res = await postJson(`${server!.address}/predict`, {text: between})
    expect(res.status, res.body).toBe(200)
    const answer = JSON.parse(res.body) as {label: string; probabilities: Record<string, number>}
    const cli = JSON.parse(sentiops(['predict', '--json', '--text', between!], {cwd: project.dir}).stdout).result.predictions[0] as {label: string}
    expect(answer.label).toBe(cli.label)
    expect(answer.label).toBe(answer.probabilities.positive > project.threshold! ? 'positive' : 'negative')
    expect(answer.label).not.toBe(answer.probabilities.positive > 0.5 ? 'positive' : 'negative')
  })
})
