import {describe, expect, it} from 'vitest'
import {binOf, psi, PSI_EMPTY_BIN_SHARE} from '../../src/core/monitor/psi.js'

describe('psi: Σ (a − e) · ln(a / e) of observed counts against reference shares', () => {
  it('is 0 when the observed shares are the reference shares', () => {
    expect(psi([0.1, 0.2, 0.3, 0.4], [10, 20, 30, 40])).toBe(0)
    expect(psi([0.5, 0.5], [7, 7])).toBe(0)
  })

  it('matches a hand computation on four bins', () => {
    // e = .25 each; counts 40,30,20,10 of 100 → a = .4, .3, .2, .1
    //   (.4 − .25) ln(1.6) = .15 · 0.4700036 = 0.0705005
    //   (.3 − .25) ln(1.2) = .05 · 0.1823216 = 0.0091161
    //   (.2 − .25) ln(0.8) = −.05 · −0.2231436 = 0.0111572
    //   (.1 − .25) ln(0.4) = −.15 · −0.9162907 = 0.1374436
    //   sum = 0.2282174
    expect(psi([0.25, 0.25, 0.25, 0.25], [40, 30, 20, 10])).toBeCloseTo(0.2282174, 6)
    // PSI is symmetric in a and e: swapping the roles gives the same number.
    expect(psi([0.4, 0.3, 0.2, 0.1], [25, 25, 25, 25])).toBeCloseTo(0.2282174, 6)
  })

  it('a small shift stays under the 0.1 "stable" mark (hand-computed)', () => {
    // e = .5, .5; counts 55, 45 → a = .55, .45
    //   .05 · ln(1.1) + (−.05) · ln(0.9) = .05 · 0.0953102 + .05 · 0.1053605 = 0.0100335
    expect(psi([0.5, 0.5], [55, 45])).toBeCloseTo(0.0100335, 6)
  })

  it('floors an empty observed bin at 1e-4 so the value is finite (hand-computed)', () => {
    expect(PSI_EMPTY_BIN_SHARE).toBe(1e-4)
    // e = .5, .5; counts 10, 0 → a = 1, 1e-4 (floored)
    //   (1 − .5) ln(2) = 0.3465736
    //   (1e-4 − .5) ln(1e-4 / .5) = −0.4999 · ln(2e-4) = −0.4999 · −8.5171932 = 4.2577449
    //   sum = 4.6043185
    expect(psi([0.5, 0.5], [10, 0])).toBeCloseTo(4.6043185, 6)
  })

  it('floors an empty reference bin the same way (values beyond the profiled range)', () => {
    // e = 1, 0 → 1, 1e-4 (floored); counts 5, 5 → a = .5, .5: the case above with a and e swapped, same sum.
    expect(psi([1, 0], [5, 5])).toBeCloseTo(4.6043185, 6)
    // Both floored sides: e = 1, 1e-4; a = 1e-4, 1 → 2 · (1 − 1e-4) · ln(1e4) = 2 · 0.9999 · 9.2103404 = 18.4188387
    expect(psi([1, 0], [0, 5])).toBeCloseTo(18.4188387, 5)
  })

  it('is NaN with no observations, and refuses bins that do not line up', () => {
    expect(psi([0.5, 0.5], [0, 0])).toBeNaN()
    expect(() => psi([0.5, 0.5], [1, 2, 3])).toThrow(/2 reference bins but 3 observed/)
  })
})

describe('binOf: bins (-inf, e0], (e0, e1], …, (e_last, +inf)', () => {
  const edges = [1, 2, 3]

  it('puts a value equal to an edge in the bin that edge closes', () => {
    expect(binOf(edges, 1)).toBe(0)
    expect(binOf(edges, 2)).toBe(1)
    expect(binOf(edges, 3)).toBe(2)
  })

  it('places values between, below and above the edges', () => {
    expect(binOf(edges, -5)).toBe(0)
    expect(binOf(edges, 0.5)).toBe(0)
    expect(binOf(edges, 1.5)).toBe(1)
    expect(binOf(edges, 2.0001)).toBe(2)
    expect(binOf(edges, 3.01)).toBe(3)
    expect(binOf(edges, 1e9)).toBe(3)
    expect(binOf(edges, -Infinity)).toBe(0)
    expect(binOf(edges, Infinity)).toBe(3)
  })

  it('agrees with a linear scan over many edges (binary search)', () => {
    const many = Array.from({length: 37}, (_, i) => i * 0.5 - 3)
    for (let x = -5; x <= 17; x += 0.25) {
      let linear = 0
      while (linear < many.length && many[linear]! < x) linear++
      expect(binOf(many, x), `x = ${x}`).toBe(linear)
    }
  })

  it('has one bin when there are no edges', () => {
    expect(binOf([], 42)).toBe(0)
  })
})
