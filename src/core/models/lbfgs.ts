/**
 * Limited-memory BFGS with a backtracking (Armijo) line search, for smooth convex objectives such as
 * L2-regularized logistic regression. Deterministic: the same inputs give the same iterates bit for bit.
 */
export interface LbfgsOptions {
  maxIter: number
  /** Stop when max |gradient| ≤ gtol. */
  gtol: number
  /** Stop when the relative decrease of f in one step is below ftol. */
  ftol?: number
  history?: number
  onIteration?: (iter: number, f: number) => void
  signal?: AbortSignal
}

export interface LbfgsResult {
  x: Float64Array
  f: number
  iterations: number
  converged: boolean
}

/** `fg(x, g)` returns f(x) and writes the gradient into g. */
export function minimizeLbfgs(fg: (x: Float64Array, g: Float64Array) => number, x0: Float64Array, options: LbfgsOptions): LbfgsResult {
  const n = x0.length
  const m = options.history ?? 10
  const ftol = options.ftol ?? 1e-10
  const x = Float64Array.from(x0)
  const g = new Float64Array(n)
  let f = fg(x, g)
  const s: Float64Array[] = []
  const y: Float64Array[] = []
  const rho: number[] = []
  const alpha = new Float64Array(m)
  const d = new Float64Array(n)
  const xNew = new Float64Array(n)
  const gNew = new Float64Array(n)
  let iter = 0
  let converged = maxAbs(g) <= options.gtol
  while (!converged && iter < options.maxIter) {
    options.signal?.throwIfAborted()
    // Two-loop recursion: d = -H·g.
    d.set(g)
    for (let k = s.length - 1; k >= 0; k--) {
      alpha[k] = rho[k] * dot(s[k], d)
      axpy(-alpha[k], y[k], d)
    }
    if (s.length > 0) {
      const last = s.length - 1
      scale(d, dot(s[last], y[last]) / dot(y[last], y[last]))
    } else {
      scale(d, 1 / Math.max(1, Math.sqrt(dot(g, g))))
    }
    for (let k = 0; k < s.length; k++) {
      const beta = rho[k] * dot(y[k], d)
      axpy(alpha[k] - beta, s[k], d)
    }
    scale(d, -1)
    let slope = dot(g, d)
    if (slope >= 0) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      s.length = y.length = rho.length = 0
      for (let i = 0; i < n; i++) d[i] = -g[i]
      slope = -dot(g, g)
    }
    let step = 1
    let fNew = Number.POSITIVE_INFINITY
    for (let tries = 0; tries < 40; tries++) {
      for (let i = 0; i < n; i++) xNew[i] = x[i] + step * d[i]
      fNew = fg(xNew, gNew)
      if (fNew <= f + 1e-4 * step * slope) break
      step *= 0.5
    }
    if (!(fNew < f)) break
    const sk = new Float64Array(n)
    const yk = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      sk[i] = xNew[i] - x[i]
      yk[i] = gNew[i] - g[i]
    }
    const sy = dot(sk, yk)
    if (sy > 1e-12) {
      if (s.length === m) {
        s.shift()
        y.shift()
        rho.shift()
      }
      s.push(sk)
      y.push(yk)
      rho.push(1 / sy)
    }
    const decrease = (f - fNew) / Math.max(Math.abs(f), Math.abs(fNew), 1)
    x.set(xNew)
    g.set(gNew)
    f = fNew
    iter++
    options.onIteration?.(iter, f)
    converged = maxAbs(g) <= options.gtol || decrease < ftol
  }
  return {x, f, iterations: iter, converged}
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i]
  return sum
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) y[i] += a * x[i]
}

function scale(x: Float64Array, a: number): void {
  for (let i = 0; i < x.length; i++) x[i] *= a
}

function maxAbs(x: Float64Array): number {
  let m = 0
  for (let i = 0; i < x.length; i++) {
    const v = Math.abs(x[i])
    if (v > m) m = v
  }
  return m
}
