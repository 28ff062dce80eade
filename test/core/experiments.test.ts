import {mkdtemp} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {loadParams} from '../../src/core/config/index.js'
import {loadLabeledData} from '../../src/core/data/index.js'
import {stratifiedFolds} from '../../src/core/experiments/folds.js'
import {expandGrid} from '../../src/core/experiments/grid.js'
import {runExperiment} from '../../src/core/experiments/run.js'
import {renderExperimentTable, showExperiment} from '../../src/core/experiments/show.js'
import {silentReporter} from '../../src/core/reporter.js'
import {openStores} from '../../src/core/tracking/index.js'

const {params} = await loadParams({cwd: '/nonexistent-dir', env: {}})

describe('experiment grid', () => {
  it('takes the Cartesian product and merges combinations that only differ in another learner\'s params', () => {
    const points = expandGrid({'train.algorithm': ['lr', 'mnb'], 'train.mnb.alpha': [0.1, 1], 'featurize.method': ['bow', 'tfidf']}, params)
    // (lr + mnb×2) × 2 methods
    expect(points).toHaveLength(6)
    expect(points.map(p => p.label)).toContain('tfidf mnb alpha=0.1')
    const lr = points.find(p => p.label === 'bow lr')!
    expect(lr.overrides).toEqual({'featurize.method': 'bow', 'train.algorithm': 'lr'})
    expect(lr.params.train.algorithm).toBe('lr')
  })

  it('validates every point like params.yaml and rejects unknown keys', () => {
    expect(() => expandGrid({'train.lr.C': [-1]}, params)).toThrow(/train\.lr\.C = -1 must be > 0/)
    expect(() => expandGrid({'featurize.nope': [1]}, params)).toThrow(/not a params key/)
  })
})

describe('stratified folds', () => {
  it('keeps class proportions in every fold and is seeded', () => {
    const labels = Array.from({length: 103}, (_, i) => (i % 3 === 0 ? 1 : 0))
    const folds = stratifiedFolds(labels, 5, 7)
    for (let f = 0; f < 5; f++) {
      const rows = labels.filter((_, i) => folds[i] === f)
      expect(rows.length).toBeGreaterThanOrEqual(20)
      expect(rows.length).toBeLessThanOrEqual(21)
      const positives = rows.filter(l => l === 1).length
      expect(Math.abs(positives - 35 / 5)).toBeLessThanOrEqual(1)
    }
    expect(Array.from(stratifiedFolds(labels, 5, 7))).toEqual(Array.from(folds))
    expect(Array.from(stratifiedFolds(labels, 5, 8))).not.toEqual(Array.from(folds))
  })

  it('refuses more folds than a class has rows', () => {
    expect(() => stratifiedFolds([0, 0, 0, 1], 3, 1)).toThrow(/class 1 has 1 rows, fewer than the 3 folds/)
  })
})

describe('experiment run (built-in data, file store)', () => {
  it('records one run per combination with per-fold metrics, resumes, and shows the best first', async () => {
    const cwd = await mkdtemp(path.join(tmpdir(), 'sentiops-exp-'))
    const stores = openStores({cwd, env: {}})
    const data = await loadLabeledData(params.ingest, {cwd})
    const points = expandGrid({'train.algorithm': ['lr', 'mnb'], 'featurize.method': ['tfidf']}, params)
    const opts = {points, texts: data.texts, labels: data.labels, folds: 3, seed: 42, experiment: 'grid', stores, cwd, reporter: silentReporter}
    const first = await runExperiment(opts)
    expect(first.map(r => r.skipped)).toEqual([false, false])
    for (const r of first) {
      expect(r.metrics.cv_accuracy_mean).toBeGreaterThan(0.75)
      const run = await stores.tracking.getRun(r.runId)
      expect(run.info.status).toBe('FINISHED')
      expect(run.data.params['train.algorithm']).toBeDefined()
      expect(run.data.params.cv_folds).toBe('3')
    }
    const again = await runExperiment(opts)
    expect(again.every(r => r.skipped)).toBe(true)
    expect(again.map(r => r.runId).sort()).toEqual(first.map(r => r.runId).sort())
    const table = await showExperiment(stores, 'grid', 'cv_accuracy_mean')
    expect(table.rows).toHaveLength(2)
    expect(table.rows[0].metrics.cv_accuracy_mean).toBeGreaterThanOrEqual(table.rows[1].metrics.cv_accuracy_mean)
    expect(renderExperimentTable(table, 'md').split('\n')[0]).toMatch(/^\| run \| featurize\.method \| train\.algorithm \| cv_accuracy_mean/)
  })
})
