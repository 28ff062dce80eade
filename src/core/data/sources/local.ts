import {createReadStream} from 'node:fs'
import {stat} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {glob, isDynamicPattern} from 'tinyglobby'
import {DataError} from '../../errors.js'
import type {Reporter} from '../../reporter.js'

export interface LocalFile {
  path: string
  /** The path as the user would recognise it: relative to cwd when inside it. */
  where: string
  size: number
}

function expandHome(pattern: string): string {
  return pattern === '~' || pattern.startsWith('~/') ? path.join(os.homedir(), pattern.slice(1)) : pattern
}

export function displayPath(file: string, cwd: string): string {
  const relative = path.relative(cwd, file)
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file
}

/** Whether `source` as a whole names an existing file (so a path with commas is not split). */
export async function isExistingFile(source: string, cwd: string): Promise<boolean> {
  try {
    return (await stat(path.resolve(cwd, expandHome(source)))).isFile()
  } catch {
    return false
  }
}

/**
 * A path or a glob (relative to cwd) → the files it names, sorted so that the data order, and so the split,
 * does not depend on the file system. A literal path wins over its reading as a glob.
 */
export async function resolveLocal(pattern: string, cwd: string): Promise<LocalFile[]> {
  const expanded = expandHome(pattern)
  const literal = path.resolve(cwd, expanded)
  const info = await stat(literal).catch(() => undefined)
  if (info?.isFile()) return [{path: literal, where: displayPath(literal, cwd), size: info.size}]
  if (info?.isDirectory()) {
    throw new DataError(`${pattern}: is a directory; name the files or use a glob such as ${path.join(pattern, '*.csv')}`)
  }
  if (!isDynamicPattern(expanded)) {
    throw new DataError(`${pattern}: no such file (looked in ${path.dirname(literal)})`, {data: {file: pattern}})
  }
  const files = (await glob(expanded, {cwd, absolute: true, onlyFiles: true, expandDirectories: false})).sort()
  if (files.length === 0) throw new DataError(`${pattern}: no files match this glob (in ${cwd})`, {data: {file: pattern}})
  return Promise.all(files.map(async file => ({path: file, where: displayPath(file, cwd), size: (await stat(file)).size})))
}

/** Files smaller than this are read in a blink: no progress lines for them. */
const PROGRESS_MIN_BYTES = 1 << 20

/** The bytes of a file, in 1 MiB chunks, with progress for big files. */
export async function* fileChunks(
  file: string,
  options: {where: string; size?: number; reporter?: Reporter; signal?: AbortSignal},
): AsyncGenerator<Buffer> {
  const stream = createReadStream(file, {highWaterMark: 1 << 20, signal: options.signal})
  const reporter = options.size === undefined || options.size >= PROGRESS_MIN_BYTES ? options.reporter : undefined
  let done = 0
  try {
    for await (const chunk of stream) {
      done += (chunk as Buffer).length
      reporter?.progress(`Reading ${options.where}`, done, options.size)
      yield chunk as Buffer
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') {
      throw new DataError(`${options.where}: cannot read (${code})`, {cause: error, data: {file: options.where}})
    }
    throw error
  } finally {
    stream.destroy()
  }
}
