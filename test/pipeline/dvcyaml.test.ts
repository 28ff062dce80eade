import {readFileSync} from 'node:fs'
import path from 'node:path'
import {Ajv} from 'ajv'
import YAML from 'yaml'
import {describe, expect, it} from 'vitest'
import {dvcYamlSchema} from '../../src/core/pipeline/dvc-yaml-schema.js'
import {buildGraph, loadPipeline, planStages, validatePipelineText} from '../../src/core/pipeline/index.js'
import {tempDir, writeFiles} from './helpers.js'

const fixtureSchema = JSON.parse(readFileSync(path.join(import.meta.dirname, '../fixtures/dvc-yaml.schema.json'), 'utf8')) as Record<string, unknown>

async function pipeline(files: Record<string, string>, overrides: string[] = []) {
  const root = tempDir()
  await writeFiles(root, files)
  return loadPipeline(root, {paramOverrides: overrides})
}

const GOOD = `
vars:
  - config.yaml:paths
  - threshold: 0.5
stages:
  ingest:
    cmd: sentiops ingest
    params:
      - ingest
    outs:
      - data/raw
  train:
    cmd:
      - sentiops train
      - echo done
    wdir: .
    deps:
      - data/raw
    params:
      - train.lr
      - other.json:
          - seed
      - whole.yaml:
    outs:
      - models/model:
          cache: true
          persist: false
          desc: the model bundle
    metrics:
      - reports/metrics.json:
          cache: false
    plots:
      - reports/roc.json:
          x: fpr
          y: tpr
    frozen: false
    always_changed: false
    desc: fit the classifier
  build:
    foreach: [a, b]
    do:
      cmd: echo \${item}
  grid:
    matrix:
      algo: [lr, mnb]
      n: [1, 2]
    cmd: echo \${item.algo} \${item.n}
plots:
  - reports/roc.json:
      x: fpr
      y: tpr
metrics:
  - reports/metrics.json
`

describe('dvc.yaml schema validation', () => {
  it('uses the dvc.yaml schema unchanged (same as test/fixtures/dvc-yaml.schema.json)', () => {
    expect(dvcYamlSchema).toEqual(fixtureSchema)
  })

  it('accepts a pipeline using stages, params files, out flags, plots, foreach and matrix (also per the fixture schema)', () => {
    expect(() => validatePipelineText(GOOD)).not.toThrow()
    const validate = new Ajv({strict: false}).compile(fixtureSchema)
    expect(validate(YAML.parse(GOOD))).toBe(true)
    expect(validate(YAML.parse('stages:\n  s:\n    cmd: echo\n    outz: [x]\n'))).toBe(false)
  })

  it('names the line and key path of an unknown key', () => {
    expect(() => validatePipelineText('stages:\n  train:\n    cmd: echo\n    dep:\n      - a\n')).toThrow(
      /^dvc\.yaml:4: stages\.train\.dep: unknown key; allowed here: cmd, wdir, deps, params, outs, metrics, plots, frozen, always_changed, vars, desc, meta$/,
    )
  })

  it('names the line, key path and expected type of a wrong value', () => {
    expect(() => validatePipelineText('stages:\n  train:\n    cmd: echo\n    outs:\n      - model.pkl:\n          cache: "no"\n')).toThrow(
      'dvc.yaml:6: stages.train.outs[0]."model.pkl".cache: must be a boolean',
    )
    expect(() => validatePipelineText('stages:\n  train:\n    cmd: 5\n')).toThrow('dvc.yaml:3: stages.train.cmd: must be a string or a list')
    expect(() => validatePipelineText('stages:\n  train:\n    deps: [a]\n')).toThrow("dvc.yaml:2: stages.train: missing required key 'cmd'")
    expect(() => validatePipelineText('stages:\n  s:\n    foreach: [1]\n')).toThrow("dvc.yaml:2: stages.s: missing required key 'do'")
    expect(() => validatePipelineText('stages: {}\ndatasets: []\n')).toThrow("dvc.yaml:2: datasets: unknown key; allowed here: vars, stages, plots, params, metrics, artifacts")
    expect(() => validatePipelineText('stages:\n  s:\n    cmd: x\n    deps: [a, a]\n')).toThrow('dvc.yaml:4: stages.s.deps: has the same item twice')
  })

  it('reports YAML syntax errors with the line', () => {
    expect(() => validatePipelineText('stages:\n  s:\n    cmd: [oops\n')).toThrow(/^dvc\.yaml:\d+: not valid YAML/)
  })
})

describe('loading a pipeline', () => {
  it('resolves stages, outs of all kinds, params entries and files', async () => {
    const p = await pipeline({
      'dvc.yaml': GOOD,
      'params.yaml': 'ingest: {seed: 1}\ntrain: {lr: 0.1}\n',
      'config.yaml': 'paths: {raw: data/raw}\nunused: 1\n',
    })
    const train = p.stages.find(s => s.name === 'train')!
    expect(train).toMatchObject({
      cmd: ['sentiops train', 'echo done'],
      wdir: '.',
      deps: ['data/raw'],
      params: [
        {file: 'params.yaml', keys: ['train.lr']},
        {file: 'other.json', keys: ['seed']},
        {file: 'whole.yaml', keys: null},
      ],
      outs: [
        {path: 'models/model', kind: 'outs', cache: true, persist: false},
        {path: 'reports/metrics.json', kind: 'metrics', cache: false, persist: false},
        {path: 'reports/roc.json', kind: 'plots', cache: true, persist: false},
      ],
      frozen: false,
      alwaysChanged: false,
      desc: 'fit the classifier',
    })
    expect(p.stages.map(s => s.name)).toEqual(['ingest', 'train', 'build@a', 'build@b', 'grid@lr-1', 'grid@lr-2', 'grid@mnb-1', 'grid@mnb-2'])
    expect(p.stages.find(s => s.name === 'grid@mnb-2')?.cmd).toBe('echo mnb 2')
  })

  it('tracks a whole params file when it is listed without keys, even if keys of it are also listed', async () => {
    const p = await pipeline({'dvc.yaml': 'stages:\n  s:\n    cmd: x\n    params:\n      - lr\n      - params.yaml:\n      - a.yaml: [k]\n      - a.yaml: [j, k]\n'})
    expect(p.stages[0]!.params).toEqual([
      {file: 'params.yaml', keys: null},
      {file: 'a.yaml', keys: ['k', 'j']},
    ])
  })

  it('interpolates ${} like DVC: typed exact values, Python floats, true/false, dict flags, escapes', async () => {
    const p = await pipeline({
      'params.yaml': 'train:\n  lr: 1.0\n  epochs: 10\n  fast: true\n  name: my model\n  opts: {alpha: 0.5, verbose: true, quiet: false, tags: [a, b c], nested: {k: 1}}\n',
      'dvc.yaml': [
        'stages:',
        '  s:',
        '    cmd: python train.py --lr ${train.lr} --epochs ${train.epochs} --fast ${train.fast} ${train.opts} \\${HOME}',
        '    deps: ["src/${train.name}.py"]',
        '    outs:',
        '      - models/${train[epochs]}',
      ].join('\n'),
    })
    const s = p.stages[0]!
    expect(s.cmd).toBe("python train.py --lr 1.0 --epochs 10 --fast true --alpha 0.5 --verbose --tags a 'b c' --nested.k 1 ${HOME}")
    expect(s.deps).toEqual(['src/my model.py'])
    expect(s.outs[0]!.path).toBe('models/10')
    // Params read through ${} are recorded for reporting (DVC shows them in `dvc params diff`), not as lock deps.
    expect(s.params).toEqual([])
    expect(JSON.parse(JSON.stringify(s.interpolated))).toEqual(
      expect.arrayContaining([
        {file: 'params.yaml', key: 'train.lr', value: 1},
        {file: 'params.yaml', key: 'train.epochs', value: 10},
        {file: 'params.yaml', key: 'train.name', value: 'my model'},
      ]),
    )
  })

  it('applies --set overrides to params.yaml before interpolating', async () => {
    const p = await pipeline({'params.yaml': 'train: {algorithm: lr}\n', 'dvc.yaml': 'stages:\n  s:\n    cmd: train ${train.algorithm} ${train.alpha}\n'}, ['train.algorithm=mnb', 'train.alpha=0.5'])
    expect(p.stages[0]!.cmd).toBe('train mnb 0.5')
  })

  it('loads vars from files (whole, or selected keys) and inline mappings, stage vars relative to wdir', async () => {
    const p = await pipeline({
      'dvc.yaml': [
        'vars:',
        '  - shared.yaml:model',
        '  - {greeting: hello}',
        'stages:',
        '  s:',
        '    wdir: sub',
        '    vars: [local.json]',
        '    cmd: echo ${greeting} ${model.name} ${local_value}',
      ].join('\n'),
      'shared.yaml': 'model: {name: m1}\nignored: {x: 1}\n',
      'sub/local.json': '{"local_value": 2.50}',
    })
    expect(p.stages[0]).toMatchObject({wdir: 'sub', cmd: 'echo hello m1 2.5'})
    expect(p.stages[0]!.interpolated).toContainEqual({file: 'sub/local.json', key: 'local_value', value: 2.5})
  })

  it('names foreach stages by value, by index (for lists of mappings) and by key (for mappings)', async () => {
    const p = await pipeline({
      'params.yaml': 'models: {small: {lr: 0.1}, big: {lr: 0.01}}\n',
      'dvc.yaml': [
        'stages:',
        '  scalars:',
        '    foreach: [1, 2.5, true]',
        '    do:',
        '      cmd: echo ${item}',
        '  maps:',
        '    foreach: [{n: a}, {n: b}]',
        '    do:',
        '      cmd: echo ${item.n}',
        '  keyed:',
        '    foreach: ${models}',
        '    do:',
        '      cmd: train ${key} ${item.lr}',
        '      outs: ["m/${key}"]',
      ].join('\n'),
    })
    expect(p.stages.map(s => [s.name, s.cmd, s.group])).toEqual([
      ['scalars@1', 'echo 1', 'scalars'],
      ['scalars@2.5', 'echo 2.5', 'scalars'],
      ['scalars@true', 'echo true', 'scalars'],
      ['maps@0', 'echo a', 'maps'],
      ['maps@1', 'echo b', 'maps'],
      ['keyed@small', 'train small 0.1', 'keyed'],
      ['keyed@big', 'train big 0.01', 'keyed'],
    ])
  })

  it('names matrix stages by value fragments, and by key+index for list values', async () => {
    const p = await pipeline({
      'params.yaml': 'algos: [lr, mnb]\n',
      'dvc.yaml': 'stages:\n  m:\n    matrix:\n      algo: ${algos}\n      feats: [[1, 2], [3]]\n    cmd: run ${item.algo} ${key}\n',
    })
    expect(p.stages.map(s => [s.name, s.cmd])).toEqual([
      ['m@lr-feats0', 'run lr lr-feats0'],
      ['m@lr-feats1', 'run lr lr-feats1'],
      ['m@mnb-feats0', 'run mnb mnb-feats0'],
      ['m@mnb-feats1', 'run mnb mnb-feats1'],
    ])
  })

  it('reports interpolation problems with the line and key path', async () => {
    await expect(pipeline({'dvc.yaml': 'stages:\n  s:\n    cmd: echo ${missing.key}\n'})).rejects.toThrow(
      "dvc.yaml:3: stages.s.cmd: could not find 'missing.key' in params.yaml or vars",
    )
    await expect(pipeline({'params.yaml': 'l: [1, 2]\n', 'dvc.yaml': 'stages:\n  s:\n    cmd: echo ${l}\n'})).rejects.toThrow(
      "stages.s.cmd: cannot interpolate data of type 'list'",
    )
    await expect(pipeline({'params.yaml': 'd: {a: 1}\n', 'dvc.yaml': 'stages:\n  s:\n    cmd: x\n    deps: ["${d}"]\n'})).rejects.toThrow(
      "stages.s.deps: cannot interpolate data of type 'dict'",
    )
    await expect(pipeline({'dvc.yaml': 'stages:\n  s:\n    cmd: echo ${a..b}\n'})).rejects.toThrow('stages.s.cmd: invalid expression ${a..b}')
    await expect(pipeline({'params.yaml': 'x: 1\n', 'dvc.yaml': 'vars: [{x: 2}]\nstages:\n  s:\n    cmd: echo\n'})).rejects.toThrow(
      "dvc.yaml:1: vars[0]: cannot redefine 'x' from 'vars' as it already exists in 'params.yaml'",
    )
    await expect(pipeline({'dvc.yaml': 'stages:\n  s:\n    foreach: ${nope}\n    do: {cmd: x}\n'})).rejects.toThrow('stages.s.foreach')
    await expect(pipeline({'dvc.yaml': 'vars: [missing.yaml]\nstages:\n  s:\n    cmd: x\n'})).rejects.toThrow("vars[0]: 'missing.yaml' does not exist")
  })

  it('rejects outputs outside the repository, outputs that are also deps, and remote paths', async () => {
    await expect(pipeline({'dvc.yaml': 'stages:\n  s:\n    cmd: x\n    outs: [../out]\n'})).rejects.toThrow("stages.s.outs: output '../out' is outside the repository")
    await expect(pipeline({'dvc.yaml': 'stages:\n  s:\n    cmd: x\n    deps: [a]\n    outs: [a]\n'})).rejects.toThrow("'a' is both an output and a dependency of stage 's'")
    await expect(pipeline({'dvc.yaml': 'stages:\n  s:\n    cmd: x\n    deps: [s3://bucket/key]\n'})).rejects.toThrow('remote dependency')
  })

  it('says where dvc.yaml is missing', async () => {
    await expect(loadPipeline(tempDir())).rejects.toThrow(/^no dvc\.yaml in /)
  })
})

describe('the stage graph', () => {
  const graphOf = async (yaml: string) => buildGraph(await pipeline({'dvc.yaml': yaml}))

  it('orders stages upstream first (a dep inside or containing an out makes an edge), like DVC\'s DFS post-order', async () => {
    const graph = await graphOf(
      [
        'stages:',
        '  report: {cmd: x, deps: [models/model/weights.json, data], outs: [report.md]}',
        '  train: {cmd: x, deps: [data/clean], outs: [models/model]}',
        '  clean: {cmd: x, deps: [raw.csv], outs: [data/clean]}',
        '  other: {cmd: x}',
      ].join('\n'),
    )
    expect(planStages(graph).map(s => s.name)).toEqual(['clean', 'train', 'report', 'other'])
    expect(planStages(graph, {targets: ['train']}).map(s => s.name)).toEqual(['clean', 'train'])
    expect(planStages(graph, {targets: ['train'], downstream: true}).map(s => s.name)).toEqual(['train', 'report'])
    expect(() => planStages(graph, {targets: ['nope']})).toThrow("unknown stage 'nope'; the stages in dvc.yaml are: report, train, clean, other")
  })

  it('does not pull in the upstream stages of a frozen stage', async () => {
    const graph = await graphOf('stages:\n  a: {cmd: x, outs: [a.txt]}\n  b: {cmd: x, deps: [a.txt], outs: [b.txt], frozen: true}\n')
    expect(planStages(graph, {targets: ['b']}).map(s => s.name)).toEqual(['b'])
  })

  it('expands a foreach group given as a target', async () => {
    const graph = await graphOf('stages:\n  g:\n    foreach: [x, y]\n    do: {cmd: echo}\n')
    expect(planStages(graph, {targets: ['g']}).map(s => s.name)).toEqual(['g@x', 'g@y'])
  })

  it('reports a cycle', async () => {
    await expect(graphOf('stages:\n  a: {cmd: x, deps: [b.txt], outs: [a.txt]}\n  b: {cmd: x, deps: [a.txt], outs: [b.txt]}\n')).rejects.toThrow(
      'the pipeline has a cycle: a -> b -> a',
    )
  })

  it('rejects the same output in two stages and nested outputs', async () => {
    await expect(graphOf('stages:\n  a: {cmd: x, outs: [o]}\n  b: {cmd: x, outs: [o]}\n')).rejects.toThrow("output 'o' is produced by two stages: 'a' and 'b'")
    await expect(graphOf('stages:\n  a: {cmd: x, outs: [d]}\n  b: {cmd: x, outs: [d-x, d/inner]}\n')).rejects.toThrow(
      "output 'd/inner' of stage 'b' is inside output 'd' of stage 'a'",
    )
  })
})
