import {spawnSync} from 'node:child_process'
import {execa} from 'execa'
import {mkdtemp} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'

export const ROOT = path.resolve(import.meta.dirname, '../..')
export const BIN = path.join(ROOT, 'bin/run.js')

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs the real `sentiops` binary (bin/run.js → dist/) in `cwd`. */
export function sentiops(args: string[], opts: {cwd: string; env?: NodeJS.ProcessEnv; input?: string}): CliResult {
  const env: NodeJS.ProcessEnv = {...process.env, ...opts.env}
  for (const k of Object.keys(env)) if (k.startsWith('SENTIOPS_') || k === 'MLFLOW_TRACKING_URI') if (!(opts.env && k in opts.env)) delete env[k]
  const r = spawnSync(process.execPath, [BIN, ...args], {cwd: opts.cwd, env, input: opts.input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024})
  return {code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr}
}

export async function tempProject(prefix = 'sentiops-cli-'): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix))
}

/**
 * Runs the real binary without blocking this process: for tests whose fake server (e.g. the MLflow contract
 * fake) answers from this process, where spawnSync would deadlock. A clean environment: PATH, HOME, a cache
 * dir in the project, no retries against the fake, plus `env`.
 */
export async function sentiopsAsync(args: string[], opts: {cwd: string; env?: Record<string, string>}): Promise<CliResult> {
  const r = await execa(process.execPath, [BIN, ...args], {
    cwd: opts.cwd,
    env: {PATH: process.env.PATH, HOME: process.env.HOME, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0', SENTIOPS_CACHE_DIR: path.join(opts.cwd, 'cache'), ...opts.env},
    extendEnv: false,
    reject: false,
    timeout: 60_000,
  })
  return {code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr)}
}
