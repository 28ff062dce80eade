import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {parse} from 'csv-parse/sync'
import {beforeAll, describe, expect, it} from 'vitest'
import {sentiops} from '../support/cli.js'
import {imbalancedProject, predictFile, type ImbalancedProject, type PredictLine} from './imbalanced-project.js'

/** F1 of one class from the counts, 0 when undefined (sklearn zero_division=0). */
function f1(tp: number, fp: number, fn: number): number {
  return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn)
}

describe('evaluate.threshold auto through the real binary (imbalanced data: 1,500 negatives, 375 positives)', () => {
  let project: ImbalancedProject
  let testRows: Array<{text: string; label: string}>
  let predictions: PredictLine[]

  beforeAll(async () => {
    project = await imbalancedProject('sentiops-threshold-')
    if (project.repro.code !== 0) return
    testRows = parse(await readFile(path.join(project.dir, 'data/raw/test.csv'), 'utf8'), {columns: true}) as Array<{text: string; label: string}>
    predictions = predictFile(project.dir, 'data/raw/test.csv')
  }, 180_000)

  it('repro chooses a threshold on the training folds, reports it and stores it in bundle.json', () => {
    expect(project.repro.code, project.repro.stderr).toBe(0)
    expect(project.repro.stderr).toMatch(/evaluate\.threshold auto: 0\.\d+ \(out-of-fold macro_f1 0\.\d+, 0\.\d+ at 0\.5; 5 folds\)/)
    expect(project.threshold).toBeGreaterThan(0)
    expect(project.threshold).toBeLessThan(1)
    expect(project.threshold).not.toBe(0.5)
  })

  it('predict labels a text whose P(positive) lies between 0.5 and the threshold by the threshold', () => {
    const t = project.threshold!
    const between = predictions.findIndex(p => (p.probabilities.positive - t) * (p.probabilities.positive - 0.5) < 0)
    expect(between, 'a test text scored between the threshold and 0.5').toBeGreaterThanOrEqual(0)
    const one = sentiops(['predict', '--json', '--text', testRows[between].text], {cwd: project.dir})
    expect(one.code, one.stderr).toBe(0)
    const p = JSON.parse(one.stdout).result.predictions[0] as PredictLine
    // The most probable class says the opposite: only the threshold gives this label.
    expect(p.label).toBe(p.probabilities.positive > t ? 'positive' : 'negative')
    expect(p.label).not.toBe(p.probabilities.positive > 0.5 ? 'positive' : 'negative')
  })

  it("evaluate's metrics.json counts with the stored threshold and has macro_f1", async () => {
    const metrics = JSON.parse(await readFile(path.join(project.dir, 'reports/metrics.json'), 'utf8')) as Record<string, number>
    const t = project.threshold!
    const count = (threshold: number) => {
      let tp = 0
      let fp = 0
      let fn = 0
      let tn = 0
      testRows.forEach((row, i) => {
        const predicted = predictions[i].probabilities.positive > threshold
        const actual = row.label === '1'
        if (predicted && actual) tp++
        else if (predicted) fp++
        else if (actual) fn++
        else tn++
      })
      return {accuracy: (tp + tn) / testRows.length, macroF1: (f1(tp, fp, fn) + f1(tn, fn, fp)) / 2}
    }
    const expected = count(t)
    expect(count(0.5).accuracy).not.toBe(expected.accuracy)
    expect(metrics.accuracy).toBeCloseTo(expected.accuracy, 12)
    expect(metrics.macro_f1).toBeCloseTo(expected.macroF1, 12)
  })
})
