import type {CsrMatrix} from '../features/sparse.js'
import {sigmoid} from './guards.js'

/**
 * Binary L2 logistic regression on sparse rows by truncated Newton: preconditioned conjugate gradient for the
 * Newton step, then a backtracking line search along it (liblinear's NEWTON solver, Galli & Lin 2021, with its
 * diagonal preconditioner and unregularized-bias mode). A few Newton steps replace the hundreds of L-BFGS steps
 * that a high C needs; each CG step costs one pass over the non-zeros each way.
 *
 * Objective, the same as lr.ts's L-BFGS one: F(w, b) = Σ sᵢ·log-loss(xᵢw + b, yᵢ)/n + reg·||w||²/2 (b not penalized),
 * with sample weights sᵢ = 1 unless given.
 * Stops when max |∇F| ≤ gtol (or when a line search cannot decrease F any more: the optimum to rounding).
 */
export interface NewtonOptions {
  maxIter: number
  gtol: number
  signal?: AbortSignal
  onIteration?: (iter: number, f: number) => void
  /** Per-row loss weights (class_weight); absent = all 1, and the unweighted loops stay as they are. */
  sampleWeight?: Float64Array
}

export interface NewtonResult {
  weights: Float64Array
  intercept: number
  f: number
  iterations: number
  cgIterations: number
  converged: boolean
}

/** liblinear's constants: CG stops when its quadratic model improves by less than this share per step. */
const EPS_CG = 0.5
/** Weight of the diagonal in the preconditioner (the rest is the regularization term). */
const PRECONDITIONER_MIX = 0.01
const ARMIJO = 0.01
const MAX_LINE_SEARCH = 20

export function fitLogisticNewton(X: CsrMatrix, y: Int32Array, reg: number, options: NewtonOptions): NewtonResult {
  const {rows: n, cols: d, indptr, indices, data} = X
  const m = d + 1 // the intercept is the last variable
  const w = new Float64Array(m)
  const z = new Float64Array(n) // margins X·w + b, kept up to date by the line search
  const dz = new Float64Array(n) // X·s for the line search
  const D = new Float64Array(n) // σ(z)(1 − σ(z)), the Hessian's row weights
  const g = new Float64Array(m)
  const M = new Float64Array(m)
  const s = new Float64Array(m)
  const r = new Float64Array(m)
  const dir = new Float64Array(m)
  const Hd = new Float64Array(m)
  const u = new Float64Array(n)
  const cgScratch = new Float64Array(m)
  const invN = 1 / n
  const sw = options.sampleWeight

  /** f and, from the same margins, the gradient, D and the preconditioner. */
  const loss = (zz: Float64Array): number => {
    let sum = 0
    for (let i = 0; i < n; i++) {
      const t = y[i] === 1 ? -zz[i] : zz[i]
      const li = t > 0 ? t + Math.log1p(Math.exp(-t)) : Math.log1p(Math.exp(t))
      sum += sw === undefined ? li : sw[i] * li
    }
    return sum * invN
  }
  const gradient = (): void => {
    g.fill(0)
    M.fill(0)
    let gb = 0
    let mb = 0
    for (let i = 0; i < n; i++) {
      const p = sigmoid(z[i])
      let residual = p - y[i]
      let di = p * (1 - p)
      if (sw !== undefined) {
        residual *= sw[i]
        di *= sw[i]
      }
      D[i] = di
      gb += residual
      mb += di
      for (let k = indptr[i]; k < indptr[i + 1]; k++) {
        const x = data[k]
        g[indices[k]] += residual * x
        M[indices[k]] += di * x * x
      }
    }
    for (let j = 0; j < d; j++) {
      g[j] = g[j] * invN + reg * w[j]
      M[j] = (1 - PRECONDITIONER_MIX) * reg + PRECONDITIONER_MIX * (M[j] * invN + reg)
    }
    g[d] = gb * invN
    M[d] = (1 - PRECONDITIONER_MIX) * reg + PRECONDITIONER_MIX * mb * invN
  }
  /** out = H·v with H = Xᵀ D X / n + reg·I (no reg on the intercept). */
  const hessianTimes = (v: Float64Array, out: Float64Array): void => {
    out.fill(0)
    const vb = v[d]
    let ob = 0
    for (let i = 0; i < n; i++) {
      let t = vb
      for (let k = indptr[i]; k < indptr[i + 1]; k++) t += v[indices[k]] * data[k]
      t *= D[i]
      ob += t
      if (t === 0) continue
      for (let k = indptr[i]; k < indptr[i + 1]; k++) out[indices[k]] += t * data[k]
    }
    for (let j = 0; j < d; j++) out[j] = out[j] * invN + reg * v[j]
    out[d] = ob * invN
  }

  let wTw = 0
  let f = loss(z)
  gradient()
  let iterations = 0
  let cgIterations = 0
  let converged = maxAbs(g) <= options.gtol
  while (!converged && iterations < options.maxIter) {
    options.signal?.throwIfAborted()
    cgIterations += conjugateGradient(g, M, s, r, dir, Hd, cgScratch, hessianTimes)
    // Line search on F(w + α·s), with X·s computed once: each trial costs O(n), not O(nnz).
    for (let i = 0; i < n; i++) {
      let t = s[d]
      for (let k = indptr[i]; k < indptr[i + 1]; k++) t += s[indices[k]] * data[k]
      dz[i] = t
    }
    let sTs = 0
    let wTs = 0
    let gTs = g[d] * s[d]
    for (let j = 0; j < d; j++) {
      sTs += s[j] * s[j]
      wTs += w[j] * s[j]
      gTs += g[j] * s[j]
    }
    let alpha = 1
    let fNew = f
    let accepted = false
    for (let trial = 0; trial < MAX_LINE_SEARCH; trial++) {
      for (let i = 0; i < n; i++) u[i] = z[i] + alpha * dz[i]
      fNew = loss(u) + 0.5 * reg * (wTw + 2 * alpha * wTs + alpha * alpha * sTs)
      if (fNew - f <= ARMIJO * alpha * gTs) {
        accepted = true
        break
      }
      alpha *= 0.5
    }
    if (!accepted) {
      // No decrease along a descent direction: F is at its minimum to rounding error.
      converged = true
      break
    }
    for (let j = 0; j < m; j++) w[j] += alpha * s[j]
    z.set(u)
    wTw += 2 * alpha * wTs + alpha * alpha * sTs
    f = fNew
    gradient()
    iterations++
    options.onIteration?.(iterations, f)
    converged = maxAbs(g) <= options.gtol
  }
  return {weights: w.slice(0, d), intercept: w[d], f, iterations, cgIterations, converged}
}

/** Preconditioned CG for H·s = −g, stopped by liblinear's quadratic-model test; returns the CG steps taken. */
function conjugateGradient(
  g: Float64Array,
  M: Float64Array,
  s: Float64Array,
  r: Float64Array,
  dir: Float64Array,
  Hd: Float64Array,
  z: Float64Array,
  hessianTimes: (v: Float64Array, out: Float64Array) => void,
): number {
  const m = g.length
  let zTr = 0
  for (let j = 0; j < m; j++) {
    s[j] = 0
    r[j] = -g[j]
    dir[j] = r[j] / M[j]
    zTr += dir[j] * r[j]
  }
  const cgtol = Math.min(EPS_CG, Math.sqrt(Math.sqrt(zTr)))
  let Q = 0
  let steps = 0
  const maxSteps = Math.max(m, 5)
  while (steps < maxSteps) {
    steps++
    hessianTimes(dir, Hd)
    let dHd = 0
    for (let j = 0; j < m; j++) dHd += dir[j] * Hd[j]
    if (dHd <= 1e-16) break
    const alpha = zTr / dHd
    let sr = 0
    let sg = 0
    for (let j = 0; j < m; j++) {
      s[j] += alpha * dir[j]
      r[j] -= alpha * Hd[j]
      sr += s[j] * r[j]
      sg += s[j] * g[j]
    }
    const newQ = -0.5 * (sr - sg)
    const diff = newQ - Q
    if (!(newQ <= 0 && diff <= 0) || steps * diff >= cgtol * newQ) break
    Q = newQ
    let zTrNew = 0
    for (let j = 0; j < m; j++) {
      z[j] = r[j] / M[j]
      zTrNew += z[j] * r[j]
    }
    const beta = zTrNew / zTr
    for (let j = 0; j < m; j++) dir[j] = z[j] + beta * dir[j]
    zTr = zTrNew
  }
  return steps
}

function maxAbs(x: Float64Array): number {
  let max = 0
  for (const v of x) if (Math.abs(v) > max) max = Math.abs(v)
  return max
}
