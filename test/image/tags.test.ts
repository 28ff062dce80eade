import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {execa} from 'execa'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {imageTags, IMAGE_ID_PLACEHOLDER} from '../../src/core/image/build.js'
import {sourceRevision} from '../../src/core/image/revision.js'
import {runCommand} from '../../src/core/exec.js'
import {silentReporter} from '../../src/core/reporter.js'

const SHA = '3f2a9c1b7d0e5a6b7c8d9e0f1a2b3c4d5e6f7a8b'
const ID_A = 'sha256:9b1c2d3e4f5a00000000000000000000000000000000000000000000000000aa'
const ID_B = 'sha256:0c1d2e3f4a5b00000000000000000000000000000000000000000000000000bb'
const baked = {name: 'sentiment', version: '4', source: 'baked' as const}

describe('image tags: every tag ends in the image id', () => {
  it('commit tag first, then the model tag, both suffixed with 12 hex digits of the id', () => {
    expect(imageTags('sentiops', {sha: SHA, dirty: false, source: ''}, baked, ID_A)).toEqual(['sentiops:3f2a9c1b7d0e-9b1c2d3e4f5a', 'sentiops:sentiment-4-9b1c2d3e4f5a'])
  })

  it('the same commit and champion with another image (a rebuild) gets tags that share none with the first', () => {
    const a = imageTags('sentiops', {sha: SHA, dirty: false, source: ''}, baked, ID_A)
    const b = imageTags('sentiops', {sha: SHA, dirty: false, source: ''}, baked, ID_B)
    expect(b).toEqual(['sentiops:3f2a9c1b7d0e-0c1d2e3f4a5b', 'sentiops:sentiment-4-0c1d2e3f4a5b'])
    expect(a.filter(t => b.includes(t))).toEqual([])
  })

  it('dirty trees, no git, a model fetched from the registry, and an id without the sha256: prefix (buildah)', () => {
    expect(imageTags('r', {sha: SHA, dirty: true, source: ''}, baked, ID_A)).toEqual(['r:3f2a9c1b7d0e-dirty-9b1c2d3e4f5a', 'r:sentiment-4-9b1c2d3e4f5a'])
    expect(imageTags('r', {sha: '', dirty: false, source: ''}, {...baked, source: 'registry'}, '9b1c2d3e4f5a6b')).toEqual(['r:nogit-9b1c2d3e4f5a'])
  })

  it('a dry run shows IMAGEID where the id goes; long or odd model names stay valid tags of at most 128 characters', () => {
    expect(imageTags('r', {sha: SHA, dirty: false, source: ''}, baked, IMAGE_ID_PLACEHOLDER)).toEqual(['r:3f2a9c1b7d0e-IMAGEID', 'r:sentiment-4-IMAGEID'])
    const [, long] = imageTags('r', {sha: SHA, dirty: false, source: ''}, {name: `.my model/${'x'.repeat(200)}`, version: '7', source: 'baked'}, ID_A)
    const tag = long!.slice('r:'.length)
    expect(tag).toHaveLength(128)
    expect(tag).toMatch(/^my-model-x+-9b1c2d3e4f5a$/)
    // The registry's tag grammar (distribution/reference): [\w][\w.-]{0,127}.
    expect(tag).toMatch(/^[\w][\w.-]{0,127}$/)
  })
})

describe('source revision', () => {
  let repo: string
  let head: string

  beforeAll(async () => {
    repo = await mkdtemp(path.join(os.tmpdir(), 'sentiops-revision-'))
    await execa('git', ['init', '-q'], {cwd: repo})
    await writeFile(path.join(repo, 'a.txt'), 'a\n')
    await execa('git', ['add', 'a.txt'], {cwd: repo})
    await execa('git', ['-c', 'user.email=ci@example.com', '-c', 'user.name=ci', 'commit', '-qm', 'a'], {cwd: repo})
    head = (await execa('git', ['rev-parse', 'HEAD'], {cwd: repo})).stdout.trim()
  })

  afterAll(async () => {
    await rm(repo, {recursive: true, force: true})
  })

  it('is the checked-out HEAD even when GITHUB_SHA names another commit (a workflow_run job)', async () => {
    const stale = 'f'.repeat(40)
    const revision = await sourceRevision(repo, runCommand, silentReporter, {GITHUB_SHA: stale, GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'o/r'})
    expect(revision).toEqual({sha: head, dirty: false, source: 'https://github.com/o/r'})
  })

  it('falls back to GITHUB_SHA outside a git checkout', async () => {
    const outside = await mkdtemp(path.join(os.tmpdir(), 'sentiops-nogit-'))
    try {
      const revision = await sourceRevision(outside, runCommand, silentReporter, {GITHUB_SHA: head})
      expect(revision.sha).toBe(head)
      expect(revision.dirty).toBe(false)
    } finally {
      await rm(outside, {recursive: true, force: true})
    }
  })
})
