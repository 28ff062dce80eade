import {spawn} from 'node:child_process'
import path from 'node:path'
import {execa} from 'execa'
import {describe, expect, it} from 'vitest'
import {UserError} from '../../src/core/errors.js'
import {flattenParams, openStores, standardRunTags, withRun} from '../../src/core/tracking/index.js'
import {cleanEnv, tempDir} from './helpers.js'

const TSX = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href

describe('withRun', () => {
  it('ends the run FINISHED and returns the result', async () => {
    const cwd = await tempDir()
    const stores = openStores({cwd, env: cleanEnv()})
    const runId = await withRun(stores.tracking, {experiment: 'ok', cwd}, async run => run.runId)
    expect((await stores.tracking.getRun(runId)).info.status).toBe('FINISHED')
  })

  it('ends the run FAILED when the work throws, and rethrows the same error', async () => {
    const cwd = await tempDir()
    const stores = openStores({cwd, env: cleanEnv()})
    const boom = new UserError('bad data')
    let runId = ''
    const error = await withRun(stores.tracking, {experiment: 'fail', cwd}, async run => {
      runId = run.runId
      throw boom
    }).catch(e => e)
    expect(error).toBe(boom)
    const {info} = await stores.tracking.getRun(runId)
    expect(info.status).toBe('FAILED')
    expect(info.endTime).toBeGreaterThan(0)
  })

  it('ends the run KILLED when the process gets SIGTERM, then dies of that signal', async () => {
    const cwd = await tempDir()
    const child = spawn(process.execPath, ['--import', TSX, path.join(import.meta.dirname, 'workers', 'interrupted-run.ts'), cwd], {stdio: ['ignore', 'pipe', 'pipe']})
    let stderr = ''
    child.stderr.on('data', chunk => (stderr += chunk))
    const runId = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', chunk => {
        const m = /ready (\w+)/.exec(String(chunk))
        if (m) resolve(m[1])
      })
      child.on('close', () => reject(new Error(`worker exited early: ${stderr}`)))
    })
    const exited = new Promise<NodeJS.Signals | null>(resolve => child.on('close', (_code, signal) => resolve(signal)))
    child.kill('SIGTERM')
    expect(await exited).toBe('SIGTERM')
    const {info} = await openStores({cwd, env: cleanEnv()}).tracking.getRun(runId)
    expect(info.status).toBe('KILLED')
    expect(info.endTime).toBeGreaterThanOrEqual(info.startTime)
  })
})

describe('standardRunTags', () => {
  it('records the git commit and branch inside a work tree', async () => {
    const cwd = await tempDir()
    const git = (...args: string[]) => execa('git', args, {cwd, env: {GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x'}})
    await git('init', '-q', '-b', 'main')
    await git('commit', '-q', '--allow-empty', '-m', 'init')
    const commit = (await git('rev-parse', 'HEAD')).stdout.trim()
    const tags = await standardRunTags(cwd, {sourceName: 'sentiops train', env: cleanEnv()})
    expect(tags).toEqual({
      'mlflow.source.name': 'sentiops train',
      'mlflow.source.type': 'LOCAL',
      'mlflow.source.git.commit': commit,
      'mlflow.source.git.branch': 'main',
      'mlflow.user': 'tester',
      'sentiops.version': expect.stringMatching(/^\d+\.\d+\.\d+/),
    })
  })

  it('leaves the git tags out elsewhere', async () => {
    const tags = await standardRunTags(await tempDir(), {env: cleanEnv()})
    expect(Object.keys(tags).sort()).toEqual(['mlflow.source.name', 'mlflow.source.type', 'mlflow.user', 'sentiops.version'])
  })
})

describe('flattenParams', () => {
  it('turns nested params into MLflow dotted keys', () => {
    expect(flattenParams({featurize: {max_features: 5000, method: 'tfidf'}, train: {lr: {C: 4}}, preprocess: {keep_words: ['not', 'no']}})).toEqual({
      'featurize.max_features': 5000, 'featurize.method': 'tfidf', 'train.lr.C': 4, 'preprocess.keep_words': '["not","no"]',
    })
  })
})
