import {describe, expect, it} from 'vitest'
import {mulberry32, stratifiedSplit, testRowsFor} from '../../src/core/data/split.js'
import {DataError} from '../../src/core/errors.js'

describe('mulberry32', () => {
  it('is a deterministic generator of uniform numbers in [0, 1)', () => {
    const a = mulberry32(42)
    const b = mulberry32(42)
    const draws = Array.from({length: 10_000}, () => a())
    expect(Array.from({length: 10_000}, () => b())).toEqual(draws)
    expect(draws.every(x => x >= 0 && x < 1)).toBe(true)
    const mean = draws.reduce((s, x) => s + x, 0) / draws.length
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01)
    const buckets = new Array(10).fill(0)
    for (const x of draws) buckets[Math.floor(x * 10)]++
    for (const count of buckets) expect(Math.abs(count - 1000)).toBeLessThan(120)
    expect(mulberry32(43)()).not.toBe(mulberry32(42)())
  })
})

describe('testRowsFor', () => {
  it('rounds n × test_size half up and keeps one row on each side', () => {
    expect(testRowsFor(10, 0.2)).toBe(2)
    expect(testRowsFor(7, 0.25)).toBe(2) // 1.75
    expect(testRowsFor(6, 0.25)).toBe(2) // 1.5 rounds up
    expect(testRowsFor(5, 0.25)).toBe(1) // 1.25
    expect(testRowsFor(2, 0.01)).toBe(1) // at least one test row
    expect(testRowsFor(3, 0.99)).toBe(2) // at least one train row
  })
})

describe('stratifiedSplit', () => {
  const names = ['negative', 'positive']

  it('splits each class by the rounded quota; every row appears once', () => {
    const labels = Array.from({length: 1000}, (_, i) => (i % 10 < 3 ? 0 : 1))
    const plan = stratifiedSplit(labels, names, 0.2, 42, 'src')
    expect(plan.perClass).toEqual({train: [240, 560], test: [60, 140]})
    const all = [...plan.train, ...plan.test].sort((x, y) => x - y)
    expect(all).toEqual(labels.map((_, i) => i))
    expect(plan.test.filter(i => labels[i] === 0)).toHaveLength(60)
  })

  it('same seed, same split and order; another seed, another split', () => {
    const labels = Array.from({length: 200}, (_, i) => i % 2)
    const a = stratifiedSplit(labels, names, 0.3, 1, 'src')
    expect(stratifiedSplit(labels, names, 0.3, 1, 'src')).toEqual(a)
    expect([...stratifiedSplit(labels, names, 0.3, 2, 'src').test]).not.toEqual([...a.test])
    // Seeds above 2^32 are not truncated to the same 32 bits.
    expect([...stratifiedSplit(labels, names, 0.3, 2 ** 32 + 1, 'src').test]).not.toEqual([...a.test])
  })

  it('refuses one class, empty classes and classes of one row', () => {
    const one = () => stratifiedSplit([1, 1, 1], names, 0.2, 0, 'd.csv')
    expect(one).toThrow(DataError)
    expect(one).toThrow('d.csv: only one class in the data: all 3 kept rows are "positive" (1)')
    expect(() => stratifiedSplit([0, 0, 1], names, 0.2, 0, 'd.csv')).toThrow('too few rows to split: class "positive" (1) has 1 row')
    expect(() => stratifiedSplit([0, 0, 1, 1], [...names, 'neutral'], 0.2, 0, 'd.csv')).toThrow('no rows for class "neutral" (2)')
  })
})

describe('readSplit fast path', async () => {
  const {parseOwnSplit} = await import('../../src/core/data/split-file.js')
  const {splitCsv} = await import('../../src/core/data/write.js')

  it('parses what writeSplits writes, quotes, commas and newlines included', () => {
    const texts = ['plain', 'with, comma', 'with "quotes"', 'multi\nline', '', 'ünïcödé 🎬']
    const labels = [0, 1, 0, 1, 0, 11]
    const csv = splitCsv(Uint32Array.from(texts.keys()), texts, labels)
    expect(parseOwnSplit(csv)).toEqual(texts.map((text, i) => ({text, label: labels[i]})))
  })

  it('declines anything else, so the full reader (with line numbers) handles it', () => {
    expect(parseOwnSplit('text,label\r\na,1\r\n')).toBeUndefined()
    expect(parseOwnSplit('label,text\n1,a\n')).toBeUndefined()
    expect(parseOwnSplit('text,label\na,x\n')).toBeUndefined()
    expect(parseOwnSplit('text,label\n"open,1\n')).toBeUndefined()
  })
})
