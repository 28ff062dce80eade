import {spawn} from 'node:child_process'
import {readdir} from 'node:fs/promises'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {openStores} from '../../src/core/tracking/index.js'
import {cleanEnv, tempDir} from './helpers.js'

const TSX = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href
const WORKER = path.join(import.meta.dirname, 'workers', 'concurrent-writer.ts')

function runWorker(cwd: string, id: number, iterations: number, startAt: number): Promise<{code: number | null; stderr: string}> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, WORKER, cwd, String(id), String(iterations), String(startAt)], {stdio: ['ignore', 'ignore', 'pipe']})
    let stderr = ''
    child.stderr.on('data', chunk => (stderr += chunk))
    child.on('error', reject)
    child.on('close', code => resolve({code, stderr}))
  })
}

describe('concurrent writers on one file store', () => {
  it('several processes creating runs and versions at once leave a consistent store with unique version numbers', async () => {
    const cwd = await tempDir()
    const workers = 4
    const iterations = 3
    // Node + tsx start in about a second; all workers begin writing at the same instant after that.
    const startAt = Date.now() + 3000
    const results = await Promise.all(Array.from({length: workers}, (_, i) => runWorker(cwd, i, iterations, startAt)))
    for (const r of results) expect(r, r.stderr).toMatchObject({code: 0})

    const stores = openStores({cwd, env: cleanEnv()})
    const root = path.join(cwd, 'mlruns')
    // One experiment despite the race to create it, and every run complete and FINISHED.
    const experimentDirs = (await readdir(root)).filter(d => /^\d+$/.test(d) && d !== '0')
    expect(experimentDirs).toHaveLength(1)
    const experiment = await stores.tracking.getExperimentByName('shared')
    const runs = await stores.tracking.searchRuns([experiment!.experimentId])
    expect(runs).toHaveLength(workers * iterations)
    expect(runs.every(r => r.info.status === 'FINISHED' && r.data.tags['mlflow.log-model.history'])).toBe(true)

    const versions = await stores.registry.searchModelVersions('shared')
    expect(versions.map(v => Number(v.version)).sort((a, b) => a - b)).toEqual(Array.from({length: workers * iterations}, (_, i) => i + 1))
    expect(new Set(versions.map(v => v.runId)).size).toBe(workers * iterations)
    // archive-existing under concurrency still leaves at most one version per active stage.
    expect(versions.filter(v => v.currentStage === 'Production').length).toBeLessThanOrEqual(1)
    expect(versions.filter(v => v.currentStage === 'Staging').length).toBeLessThanOrEqual(1)
    const model = await stores.registry.getRegisteredModel('shared')
    expect(Object.keys(model.aliases).sort()).toEqual(['w0', 'w1', 'w2', 'w3'])
    // No lock file or staging leftovers.
    expect((await readdir(root)).filter(n => n.startsWith('.sentiops'))).toEqual([])
  }, 120_000)
})
