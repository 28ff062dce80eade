/**
 * Seeded pseudo-random numbers for the tree learners: xoshiro128** (32-bit state words, fast in JS),
 * seeded through splitmix32 so that nearby seeds give unrelated streams. Same seed → same stream on every
 * platform, which is what makes `same params + data + seed → byte-identical model` hold.
 */
export class Rng {
  private a: number
  private b: number
  private c: number
  private d: number

  constructor(seed: number) {
    let s = seed >>> 0
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0
      let z = s
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
      return (z ^ (z >>> 16)) >>> 0
    }
    this.a = next()
    this.b = next()
    this.c = next()
    this.d = next()
    if ((this.a | this.b | this.c | this.d) === 0) this.d = 1
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0
    const t = this.b << 9
    this.c ^= this.a
    this.d ^= this.b
    this.b ^= this.c
    this.a ^= this.d
    this.c ^= t
    this.d = rotl(this.d, 11)
    return result
  }

  /** Uniform in [0, 1) with 53 random bits. */
  nextFloat(): number {
    return ((this.nextU32() >>> 5) * 67_108_864 + (this.nextU32() >>> 6)) / 9_007_199_254_740_992
  }

  /** Uniform integer in [0, n), n ≥ 1 (bias below 2⁻⁵³·n, far under anything measurable). */
  nextInt(n: number): number {
    return Math.floor(this.nextFloat() * n)
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k))
}

/** An independent seed for stream `index` of `seed` (e.g. one per tree), so trees do not depend on each other's draws. */
export function deriveSeed(seed: number, index: number): number {
  let z = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca77)) >>> 0
  z = Math.imul(z ^ (z >>> 15), 0x2c1b3c6d)
  z = Math.imul(z ^ (z >>> 12), 0x297a2d39)
  return (z ^ (z >>> 15)) >>> 0
}
