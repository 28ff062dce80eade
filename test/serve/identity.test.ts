import {readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {loadBundle} from '../../src/core/bundle/index.js'
import type {Bundle} from '../../src/core/bundle/types.js'
import {sentiops} from '../support/cli.js'
import {postJson} from './support/http.js'
import {tempDir, trainModel} from './support/model.js'
import {ROOT, spawnServe, type ServeProcess} from './support/serve-process.js'

let project: string
let modelDir: string
let bundle: Bundle
let serve: ServeProcess
let texts: string[]

beforeAll(async () => {
  project = await tempDir('sentiops-identity-')
  modelDir = (await trainModel(project)).dir
  bundle = await loadBundle(modelDir)
  const yelp = JSON.parse(await readFile(path.join(ROOT, 'node_modules/sentiment/test/fixtures/yelp.json'), 'utf8')) as Array<{text: string}>
  texts = [...yelp.slice(0, 300).map(r => r.text), '', '!!!', "I can't say it wasn't good", 'ÉNORME déception… 😡', 'x'.repeat(5000)]
  serve = await spawnServe(['--model', modelDir], {cwd: project})
}, 120_000)

afterAll(async () => {
  await serve?.stop()
})

describe('one prediction code path', () => {
  it('gives identical predictions in-process, through `sentiops predict` and through HTTP', async () => {
    const expected = bundle.predict(texts)

    const input = path.join(project, 'texts.jsonl')
    await writeFile(input, texts.map(text => JSON.stringify({text})).join('\n') + '\n')
    const cli = sentiops(['predict', '--model', modelDir, '--input', input, '--output', '-'], {cwd: project})
    expect(cli.code, cli.stderr).toBe(0)
    const viaCli = cli.stdout.trim().split('\n').map(line => JSON.parse(line) as Record<string, unknown>).map(({id: _id, ...p}) => p)
    expect(viaCli).toEqual(expected)

    const viaBatch = []
    for (let i = 0; i < texts.length; i += 100) {
      const res = await postJson(`${serve.address}/predict`, {texts: texts.slice(i, i + 100)})
      expect(res.status).toBe(200)
      viaBatch.push(...(JSON.parse(res.body) as {predictions: unknown[]}).predictions)
    }
    expect(viaBatch).toEqual(expected)

    const viaSingle = await Promise.all(texts.slice(0, 50).map(async text => {
      const {model: _model, ...p} = JSON.parse((await postJson(`${serve.address}/predict`, {text})).body) as Record<string, unknown>
      return p
    }))
    expect(viaSingle).toEqual(expected.slice(0, 50))

    const viaMlflow = JSON.parse((await postJson(`${serve.address}/invocations`, {dataframe_split: {columns: ['text'], data: texts.slice(0, 100).map(t => [t])}})).body)
    expect(viaMlflow.predictions).toEqual(expected.slice(0, 100))
  })

  it('gives identical explanations through `sentiops explain`, POST /explain and in-process', async () => {
    const text = "A witty, gorgeous film, though the ending wasn't great."
    const expected = bundle.explain(text, 4)
    const cli = sentiops(['explain', text, '--model', modelDir, '--top-k', '4', '--json'], {cwd: project})
    expect(cli.code, cli.stderr).toBe(0)
    const {model, ...fromCli} = JSON.parse(cli.stdout).result
    expect(fromCli).toEqual(expected)
    expect(model).toMatchObject({dir: modelDir})
    const {model: _m, ...fromHttp} = JSON.parse((await postJson(`${serve.address}/explain`, {text, top_k: 4})).body)
    expect(fromHttp).toEqual(expected)
  })
})
