import {readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {stringify} from 'csv-stringify/sync'
import YAML from 'yaml'
import {builtinRows} from '../../src/core/data/sources/builtin.js'
import {ROOT, sentiops, tempProject, type CliResult} from '../support/cli.js'

export interface ImbalancedProject {
  dir: string
  repro: CliResult
  /** The decision threshold train stored in bundle.json. */
  threshold: number | undefined
}

/**
 * A project on an imbalanced copy of the built-in UCI sentences (every negative, every fourth positive: 1,500
 * to 375) with `evaluate.threshold: auto` in its params.yaml, after `sentiops repro`.
 */
export async function imbalancedProject(prefix: string): Promise<ImbalancedProject> {
  const dir = await tempProject(prefix)
  const records: Array<[string, number]> = []
  let positives = 0
  for await (const batch of builtinRows('uci')) {
    for (const {values} of batch) {
      const [text, label] = values as [string, number]
      if (label === 1 && positives++ % 4 !== 0) continue
      records.push([text, label])
    }
  }
  await writeFile(path.join(dir, 'data.csv'), stringify(records, {header: true, columns: ['text', 'label']}))
  // The repository's params.yaml (a stage's params must all be in it), with the data and the threshold changed.
  const params = YAML.parseDocument(await readFile(path.join(ROOT, 'params.yaml'), 'utf8'))
  params.setIn(['ingest', 'source'], 'data.csv')
  params.setIn(['evaluate', 'threshold'], 'auto')
  await writeFile(path.join(dir, 'params.yaml'), params.toString())
  const repro = sentiops(['repro', '--json'], {cwd: dir})
  const bundle = repro.code === 0 ? (JSON.parse(await readFile(path.join(dir, 'models/model/bundle.json'), 'utf8')) as {threshold?: number}) : {}
  return {dir, repro, threshold: bundle.threshold}
}

export interface PredictLine {
  label: string
  probabilities: Record<string, number>
}

/** `sentiops predict --input FILE` in `dir`: one parsed JSON line per text. */
export function predictFile(dir: string, file: string): PredictLine[] {
  const run = sentiops(['predict', '--input', file], {cwd: dir})
  if (run.code !== 0) throw new Error(`sentiops predict failed (${run.code}): ${run.stderr}`)
  return run.stdout.trim().split('\n').map(line => JSON.parse(line) as PredictLine)
}
