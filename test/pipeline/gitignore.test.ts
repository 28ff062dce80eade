import {spawnSync} from 'node:child_process'
import {copyFile, readFile} from 'node:fs/promises'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import {tempDir, writeFiles} from './helpers.js'

const ROOT = path.resolve(import.meta.dirname, '../..')

interface Stage {
  outs?: Array<string | Record<string, {cache?: boolean}>>
  metrics?: Array<string | Record<string, {cache?: boolean}>>
  plots?: Array<string | Record<string, {cache?: boolean}>>
}

/** dvc.yaml outputs as [path, cached?], read straight from the shipped file. */
async function pipelineOutputs(): Promise<Array<{path: string; cached: boolean}>> {
  const dvc = parse(await readFile(path.join(ROOT, 'dvc.yaml'), 'utf8')) as {stages: Record<string, Stage>}
  return Object.values(dvc.stages).flatMap(stage =>
    [...(stage.outs ?? []), ...(stage.metrics ?? []), ...(stage.plots ?? [])].map(out =>
      typeof out === 'string' ? {path: out, cached: true} : {path: Object.keys(out)[0], cached: Object.values(out)[0]?.cache !== false},
    ),
  )
}

function git(cwd: string, args: string[]): string {
  const run = spawnSync('git', args, {cwd, encoding: 'utf8'})
  if (run.status !== 0) throw new Error(`git ${args.join(' ')}: ${run.stderr}`)
  return run.stdout
}

describe('what git sees of a reproduced project (the shipped .gitignore, real git)', () => {
  it('offers the cache: false metrics and plots for commit, as DVC projects keep them, and ignores data, models and caches', async () => {
    const outputs = await pipelineOutputs()
    const uncached = outputs.filter(o => !o.cached).map(o => o.path)
    // The evaluate stage's metrics and plots: what `dvc metrics diff`, `dvc plots diff` and `dvc exp show` read from git.
    expect(uncached).toEqual(expect.arrayContaining(['reports/metrics.json', 'reports/plots/roc.json', 'reports/plots/confusion.csv']))
    const dir = tempDir()
    git(dir, ['init', '-q'])
    await copyFile(path.join(ROOT, '.gitignore'), path.join(dir, '.gitignore'))
    const files: Record<string, string> = {'dvc.yaml': '', 'dvc.lock': '', 'params.yaml': ''}
    for (const out of outputs) files[path.extname(out.path) ? out.path : `${out.path}/part.csv`] = 'x'
    Object.assign(files, {'mlruns/0/meta.yaml': 'x', '.dvc/cache/files/md5/ab/cd': 'x', '.dvc/tmp/lock': 'x', '.sentiops/state': 'x', 'reports/scratch.txt': 'x', 'reports/plots/draft.png': 'x'})
    await writeFiles(dir, files)
    const offered = git(dir, ['status', '--porcelain', '--untracked-files=all']).split('\n').filter(Boolean).map(line => line.slice(3)).sort()
    expect(offered).toEqual(['.gitignore', 'dvc.lock', 'dvc.yaml', 'params.yaml', ...uncached].sort())
  })
})
