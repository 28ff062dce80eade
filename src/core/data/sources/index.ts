import {mkdtemp, rm} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type {Reporter} from '../../reporter.js'
import type {ByteInput} from '../readers/table.js'
import type {TableRow} from '../types.js'
import {builtinRows, checkBuiltinName} from './builtin.js'
import {downloadHttp} from './http.js'
import {fileChunks, isExistingFile, type LocalFile, resolveLocal} from './local.js'
import {redactUrl, redactUrls} from '../../redact.js'
import {downloadS3} from './s3.js'
import {parseSource, splitSourceList} from './spec.js'

/** One thing to read, known before any byte is downloaded. */
export type PlannedSource =
  | {kind: 'file'; file: LocalFile}
  | {kind: 'http'; url: URL; where: string}
  | {kind: 's3'; bucket: string; key: string; where: string}
  | {kind: 'builtin'; name: string; where: string}

/** What a source yields: raw bytes of a table, or rows that already carry class indexes (built-in data). */
export type OpenedSource = {kind: 'table'; input: ByteInput} | {kind: 'rows'; where: string; rows: AsyncIterable<TableRow[]>}

export interface SourceContext {
  cwd: string
  env: NodeJS.ProcessEnv
  timeoutMs: number
  retries: number
  temp: TempDir
  reporter?: Reporter
  signal?: AbortSignal
}

/**
 * ingest.source → the list of things to read. Local paths and globs are resolved now, so a missing file
 * fails before anything is downloaded.
 */
export async function planSources(source: string, cwd: string): Promise<PlannedSource[]> {
  const entries = source.includes(',') && !(await isExistingFile(source, cwd)) ? splitSourceList(source) : [source.trim()]
  const planned: PlannedSource[] = []
  for (const entry of entries) {
    const spec = parseSource(entry)
    switch (spec.kind) {
      case 'local':
        for (const file of await resolveLocal(spec.pattern, cwd)) planned.push({kind: 'file', file})
        break
      case 'http':
        planned.push({kind: 'http', url: spec.url, where: redactUrl(spec.url)})
        break
      case 's3':
        planned.push({kind: 's3', bucket: spec.bucket, key: spec.key, where: redactUrls(spec.text)})
        break
      case 'builtin':
        checkBuiltinName(spec.name)
        planned.push({kind: 'builtin', name: spec.name, where: `builtin:${spec.name}`})
    }
  }
  return planned
}

/** Makes a planned source readable; remote objects are first streamed into a temp file. */
export async function openSource(source: PlannedSource, context: SourceContext): Promise<OpenedSource> {
  const {reporter, signal} = context
  switch (source.kind) {
    case 'builtin':
      return {kind: 'rows', where: source.where, rows: builtinRows(source.name)}
    case 'file': {
      const {file} = source
      const chunks = fileChunks(file.path, {where: file.where, size: file.size, reporter, signal})
      return {kind: 'table', input: {where: file.where, name: file.path, chunks}}
    }
    case 'http': {
      const dest = await context.temp.file()
      const download = await downloadHttp(source.url, dest, {timeoutMs: context.timeoutMs, retries: context.retries, reporter, signal, env: context.env})
      reporter?.debug(`GET ${source.where}: ${download.bytes} bytes (${download.contentType ?? 'no Content-Type'})`)
      const chunks = fileChunks(dest, {where: source.where, size: download.bytes, reporter, signal})
      return {kind: 'table', input: {where: source.where, name: download.url.pathname, contentType: download.contentType, chunks}}
    }
    case 's3': {
      const dest = await context.temp.file()
      const download = await downloadS3(source, dest, {env: context.env, timeoutMs: context.timeoutMs, retries: context.retries, reporter, signal})
      reporter?.debug(`${source.where}: ${download.bytes} bytes (${download.contentType ?? 'no Content-Type'})`)
      const chunks = fileChunks(dest, {where: source.where, size: download.bytes, reporter, signal})
      return {kind: 'table', input: {where: source.where, name: source.key, contentType: download.contentType, chunks}}
    }
  }
}

/** A private temp directory for downloads, created on first use and removed with everything in it. */
export class TempDir {
  private dir?: string
  private count = 0

  async file(): Promise<string> {
    this.dir ??= await mkdtemp(path.join(os.tmpdir(), 'sentiops-ingest-'))
    return path.join(this.dir, `download-${++this.count}`)
  }

  async remove(): Promise<void> {
    if (this.dir) await rm(this.dir, {recursive: true, force: true})
    this.dir = undefined
  }
}
