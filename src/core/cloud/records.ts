import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {writeJsonAtomic} from '../fs/atomic.js'
import type {CloudConfig} from './config.js'

/**
 * The last build and push, next to the ledger, so `push` and `deploy` default to what was just made
 * (`sentiops build && sentiops push && sentiops deploy`) without copying tags around.
 */

export interface LastBuild {
  imageId?: string
  tags: string[]
  model: {name: string; version: string}
  builtAt: string
}

export interface LastPush {
  repository: string
  /** Full references as pushed, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/sentiops:3f2a9c1b7d0e. */
  refs: string[]
  digests: Record<string, string>
  pushedAt: string
}

function recordFile(cwd: string, cloud: CloudConfig, name: 'last-build' | 'last-push'): string {
  return path.resolve(cwd, path.dirname(cloud.state_file), `${name}.json`)
}

export async function writeLastBuild(cwd: string, cloud: CloudConfig, record: LastBuild): Promise<void> {
  await writeJsonAtomic(recordFile(cwd, cloud, 'last-build'), record)
}

export async function readLastBuild(cwd: string, cloud: CloudConfig): Promise<LastBuild | undefined> {
  return readRecord<LastBuild>(recordFile(cwd, cloud, 'last-build'))
}

export async function writeLastPush(cwd: string, cloud: CloudConfig, record: LastPush): Promise<void> {
  await writeJsonAtomic(recordFile(cwd, cloud, 'last-push'), record)
}

export async function readLastPush(cwd: string, cloud: CloudConfig): Promise<LastPush | undefined> {
  return readRecord<LastPush>(recordFile(cwd, cloud, 'last-push'))
}

async function readRecord<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || error instanceof SyntaxError) return undefined
    throw error
  }
}
