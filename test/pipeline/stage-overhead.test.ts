import {writeFile} from 'node:fs/promises'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {topIndices} from '../../src/core/bundle/index.js'
import {siblingPath} from '../../src/core/fs/atomic.js'
import {buildLockEntry, Lockfile, renderLock} from '../../src/core/pipeline/lock.js'
import {readMetricsFile} from '../../src/core/tracking/register.js'
import {read, tempDir, writeFiles} from './helpers.js'

describe('topIndices (the feature importances evaluate reports)', () => {
  it('gives the head of a full sort: largest first, ties by lower index', () => {
    expect(topIndices([0.5, 2, -1, 2, 7, 0.5, 3], 4)).toEqual([4, 6, 1, 3])
    expect(topIndices([1, 1, 1], 2)).toEqual([0, 1])
    expect(topIndices([3, 1], 5)).toEqual([0, 1])
    expect(topIndices([3, 1], 0)).toEqual([])
  })

  it('agrees with sorting every index on many values with ties (seeded)', () => {
    let seed = 7
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    const values = Float64Array.from({length: 5000}, () => Math.round(next() * 300) / 10 - 15)
    const sorted = Array.from(values.keys()).sort((a, b) => values[b]! - values[a]! || a - b)
    for (const k of [1, 20, 137]) expect(topIndices(values, k)).toEqual(sorted.slice(0, k))
  })
})

describe('register: reports/metrics.json while evaluate rewrites it', () => {
  it('reads the previous version moved aside when the file itself is missing (evaluate killed)', async () => {
    const root = tempDir()
    const file = path.join(root, 'reports', 'metrics.json')
    await writeFiles(root, {'reports/keep': ''})
    await writeFile(siblingPath(file, 'old'), JSON.stringify({accuracy: 0.75, nested: {f1: 0.5}}))
    expect(await readMetricsFile(file, true)).toEqual({accuracy: 0.75, 'nested.f1': 0.5})
  })
})

describe('Lockfile read once per repro', () => {
  it('keeps an entry someone else wrote to dvc.lock after it was read', async () => {
    const root = tempDir()
    const entry = (cmd: string) => buildLockEntry({cmd, deps: [], params: [], outs: []})
    const lock = await Lockfile.read(root)
    expect(await lock.put('a', entry('echo a'))).toBe('created')
    // Another writer (real DVC, say) adds a stage behind our back.
    const other = await Lockfile.read(root)
    expect(await other.put('b', entry('echo b'))).toBe('updated')
    expect(await lock.put('c', entry('echo c'))).toBe('updated')
    expect(await read(root, 'dvc.lock')).toBe(renderLock(new Map([['a', entry('echo a')], ['b', entry('echo b')], ['c', entry('echo c')]])))
    expect(await lock.put('c', entry('echo c'))).toBe('unchanged')
  })
})
