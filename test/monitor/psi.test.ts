import {describe, expect, it} from 'vitest'
import {binOf, expectedNoisePsi, psi, PSI_EMPTY_BIN_SHARE, PSI_PSEUDOCOUNT} from '../../src/core/monitor/psi.js'

describe('psi: Σ (a − e) · ln(a / e), observed shares a = (count + ½) / (n + bins/2) against reference shares e', () => {
  it('is 0 when the observed counts are spread evenly like the reference (½ per bin keeps them even)', () => {
    expect(PSI_PSEUDOCOUNT).toBe(0.5)
    expect(psi([0.5, 0.5], [7, 7])).toBe(0)
    expect(psi([0.25, 0.25, 0.25, 0.25], [3, 3, 3, 3])).toBeCloseTo(0, 15)
  })

  it('the reference texts themselves give a tiny PSI: the smoothing pulls uneven shares towards even (hand-computed)', () => {
    // counts 10, 20, 30, 40 of 100, 4 bins → a = 10.5/102, 20.5/102, 30.5/102, 40.5/102
    //   (.1029412 − .1) ln(1.029412) = 0.0000853;  (.2009804 − .2) ln(1.004902) = 0.0000048
    //   (.2990196 − .3) ln(0.996732) = 0.0000032;  (.3970588 − .4) ln(0.992647) = 0.0000217   sum = 0.0001150
    expect(psi([0.1, 0.2, 0.3, 0.4], [10, 20, 30, 40])).toBeCloseTo(0.000115, 6)
  })

  it('matches a hand computation on four bins', () => {
    // e = .25 each; counts 40, 30, 20, 10 of 100 → a = 40.5/102 = .3970588, .2990196, .2009804, .1029412
    //   (.3970588 − .25) ln(1.588235) = 0.0680329
    //   (.2990196 − .25) ln(1.196078) = 0.0087769
    //   (.2009804 − .25) ln(0.803922) = 0.0106987
    //   (.1029412 − .25) ln(0.411765) = 0.1304858
    //   sum = 0.2179942 (0.2282174 without the smoothing)
    expect(psi([0.25, 0.25, 0.25, 0.25], [40, 30, 20, 10])).toBeCloseTo(0.2179942, 6)
  })

  it('a small shift stays under the 0.1 "stable" mark (hand-computed)', () => {
    // e = .5, .5; counts 55, 45 → a = 55.5/101, 45.5/101 = .5495050, .4504950
    //   .0495050 · ln(1.0990099) + .0495050 · ln(1.1099010) = 0.0046737 + 0.0051614 = 0.0098352
    expect(psi([0.5, 0.5], [55, 45])).toBeCloseTo(0.0098352, 6)
  })

  it('an empty observed bin counts as ½ a text, not as a share of 1e-4 (hand-computed)', () => {
    // e = .5, .5; counts 10, 0 → a = 10.5/11 = .9545455, .5/11 = .0454545
    //   .4545455 · ln(1.9090909) + (−.4545455) · ln(0.0909091) = .4545455 · (0.6466272 + 2.3978953) = 1.3838738
    // (4.6043185 with the former 1e-4 floor)
    expect(psi([0.5, 0.5], [10, 0])).toBeCloseTo(1.3838738, 6)
  })

  it("the reviewer's false alarm: a bin of reference share .057 empty in 100 texts adds .130, not .361", () => {
    // Nine bins share the rest evenly (.943/9 = .1047778 each) and hold all 100 texts: 100/9 each.
    //   empty bin: a = .5/105 = .0047619 → (.0047619 − .057) ln(.0047619/.057) = −.0522381 · −2.4824035 = 0.1296760
    //   each other bin: a = (100/9 + .5)/105 = .1105820 → (.1105820 − .1047778) ln(1.0553946) = 0.0003129
    //   sum = 0.1296760 + 9 · 0.0003129 = 0.1324925
    const shares = [0.057, ...Array(9).fill(0.943 / 9)]
    const counts = [0, ...Array(9).fill(100 / 9)]
    expect(psi(shares, counts)).toBeCloseTo(0.1324925, 6)
  })

  it('floors an empty reference bin at 1e-4 (profiles from before the top bin was merged)', () => {
    expect(PSI_EMPTY_BIN_SHARE).toBe(1e-4)
    // e = 1, 1e-4 (floored); counts 5, 5 → a = 5.5/11 = .5, .5
    //   (.5 − 1) ln(.5) + (.5 − 1e-4) ln(.5 / 1e-4) = 0.3465736 + .4999 · 8.5171932 = 4.6043185
    expect(psi([1, 0], [5, 5])).toBeCloseTo(4.6043185, 6)
    // counts 0, 5 → a = .5/6 = .0833333, 5.5/6 = .9166667
    //   (.0833333 − 1) ln(.0833333) + (.9166667 − 1e-4) ln(9166.667) = 2.2778311 + 8.3621392 = 10.6399703
    expect(psi([1, 0], [0, 5])).toBeCloseTo(10.6399703, 5)
  })

  it('is NaN with no observations, and refuses bins that do not line up', () => {
    expect(psi([0.5, 0.5], [0, 0])).toBeNaN()
    expect(() => psi([0.5, 0.5], [1, 2, 3])).toThrow(/2 reference bins but 3 observed/)
  })
})

describe('expectedNoisePsi: (bins − 1)·(1/n + 1/N)', () => {
  it('10 bins, 300 texts against 477: 9 · (1/300 + 1/477) = 0.0488679', () => {
    expect(expectedNoisePsi(10, 300, 477)).toBeCloseTo(0.0488679, 7)
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
