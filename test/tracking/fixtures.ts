/** Test fixtures usable outside vitest too (the worker processes import them): a model bundle, file listings, env. */
import {mkdir, readdir, writeFile} from 'node:fs/promises'
import path from 'node:path'

/** A bundle directory as src/core/bundle writes one: JSON files plus an MLmodel with a custom flavor. */
export async function makeBundle(dir: string, marker = 'v1'): Promise<string> {
  await mkdir(dir, {recursive: true})
  await writeFile(path.join(dir, 'MLmodel'), [
    'artifact_path: model',
    'flavors:',
    '  sentiops:',
    '    data: classifier.json',
    '    format: json',
    '    version: 0.1.0',
    'model_uuid: 5b0f6c2e0d7a4c1f9a3e2b1c0d9e8f7a',
    'utc_time_created: 2025-01-01 00:00:00.000000',
    '',
  ].join('\n'))
  await writeFile(path.join(dir, 'classifier.json'), JSON.stringify({algorithm: 'lr', marker}) + '\n')
  await mkdir(path.join(dir, 'extra'), {recursive: true})
  await writeFile(path.join(dir, 'extra', 'vocab.json'), '["good","bad"]\n')
  return dir
}

/** Every file under `root`, as sorted POSIX paths relative to it. */
export async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, {recursive: true, withFileTypes: true})
  return entries
    .filter(e => e.isFile())
    .map(e => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort()
}

/** Isolated process environment for stores: no inherited MLFLOW_* settings. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {USER: 'tester', HOME: process.env.HOME}
  return {...env, ...extra}
}
