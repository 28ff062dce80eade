import {mkdtemp, mkdir, readFile, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {afterEach} from 'vitest'
import type {IngestParams} from '../../src/core/config/params.js'
import {validateParams} from '../../src/core/config/load.js'
import type {Reporter} from '../../src/core/reporter.js'

const made: string[] = []

/** A fresh temp directory, removed after the test. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sentiops-data-test-'))
  made.push(dir)
  return dir
}

afterEach(async () => {
  await Promise.all(made.splice(0).map(dir => rm(dir, {recursive: true, force: true})))
})

/** ingest params: the schema's defaults with `overrides` on top. */
export function ingestParams(overrides: Partial<IngestParams> = {}): IngestParams {
  return {...validateParams({}).ingest, ...overrides}
}

export async function put(dir: string, name: string, content: string | Uint8Array): Promise<string> {
  const file = path.join(dir, name)
  await mkdir(path.dirname(file), {recursive: true})
  await writeFile(file, content)
  return file
}

export async function read(file: string): Promise<string> {
  return readFile(file, 'utf8')
}

/** A reporter that remembers what it was told. */
export function recordingReporter(): Reporter & {warnings: string[]; progressCalls: number; debugs: string[]} {
  const r = {
    warnings: [] as string[],
    debugs: [] as string[],
    progressCalls: 0,
    info() {},
    warn(message: string) {
      r.warnings.push(message)
    },
    progress() {
      r.progressCalls++
    },
    debug(message: string) {
      r.debugs.push(message)
    },
  }
  return r
}

/** `n` distinct labelled rows as CSV lines, alternating labels 0/1. */
export function csvRows(n: number, label = (i: number) => i % 2): string {
  let out = 'text,label\n'
  for (let i = 0; i < n; i++) out += `review number ${i},${label(i)}\n`
  return out
}

/** Yields `text` as byte chunks of `size` bytes (to cut multi-byte characters and tokens apart). */
export async function* chunked(data: string | Buffer, size: number): AsyncGenerator<Buffer> {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size)
}

/** Runs `fn`, expecting it to reject; returns the error. */
export async function failure(fn: () => Promise<unknown>): Promise<Error & {exitCode?: number; code?: string; data?: Record<string, unknown>}> {
  try {
    await fn()
  } catch (error) {
    return error as Error
  }
  throw new Error('expected a rejection, but the call succeeded')
}
