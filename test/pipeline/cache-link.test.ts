import {createHash} from 'node:crypto'
import {lstat, readFile, readlink, stat} from 'node:fs/promises'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {reproduce, type ReproduceOptions} from '../../src/core/pipeline/index.js'
import {quietRunner, tempDir, writeFiles} from './helpers.js'

const PIPELINE = `stages:
  prepare:
    cmd: mkdir -p data && cp raw.txt data/clean.txt && cp raw.txt model.txt
    deps:
      - raw.txt
    outs:
      - data
      - model.txt
`
const FOO_MD5 = 'acbd18db4cc2f85cedef654fccc4a4d8' // md5 of "foo"

async function project(cacheType?: string, files: Record<string, string> = {}): Promise<string> {
  const root = tempDir()
  const config = cacheType === undefined ? '' : `[cache]\n    type = ${cacheType}\n`
  await writeFiles(root, {'dvc.yaml': PIPELINE, 'raw.txt': 'foo', '.dvc/config': `[core]\n    no_scm = True\n${config}`, ...files})
  return root
}

const repro = (root: string, extra: Partial<ReproduceOptions> = {}) => reproduce({cwd: root, runner: quietRunner, ...extra})
const object = (root: string, md5: string) => path.join(root, '.dvc/cache/files/md5', md5.slice(0, 2), md5.slice(2))
const md5 = (text: string) => createHash('md5').update(text).digest('hex')

describe('DVC cache link types (cache.type in .dvc/config)', () => {
  it('copies by default (reflink,copy): the output and its object are separate files', async () => {
    const root = await project()
    await repro(root)
    const [out, obj] = await Promise.all([stat(path.join(root, 'model.txt')), stat(object(root, FOO_MD5))])
    expect(out.ino).not.toBe(obj.ino)
    expect(obj.mode & 0o777).toBe(0o444)
    expect(out.mode & 0o200).toBe(0o200)
  })

  it('hardlink: every output file is its read-only cache object, and dvc.lock is the same as with copies', async () => {
    const root = await project('hardlink')
    const plain = await project()
    await repro(root)
    await repro(plain)
    for (const file of ['model.txt', 'data/clean.txt']) {
      const [out, obj] = await Promise.all([stat(path.join(root, file)), stat(object(root, FOO_MD5))])
      expect(out.ino).toBe(obj.ino)
      expect(out.mode & 0o777).toBe(0o444)
    }
    expect(await readFile(path.join(root, 'dvc.lock'), 'utf8')).toBe(await readFile(path.join(plain, 'dvc.lock'), 'utf8'))
    expect((await repro(root)).stages.map(s => s.status)).toEqual(['skipped'])
    // A changed input: the stage writes new outputs where the protected ones were.
    await writeFiles(root, {'raw.txt': 'bar'})
    expect((await repro(root)).stages.map(s => s.status)).toEqual(['ran'])
    expect((await stat(path.join(root, 'model.txt'))).ino).toBe((await stat(object(root, md5('bar')))).ino)
    expect(await readFile(object(root, FOO_MD5), 'utf8')).toBe('foo')
  })

  it('symlink: outputs point at the cache objects', async () => {
    const root = await project('symlink')
    await repro(root)
    expect((await lstat(path.join(root, 'model.txt'))).isSymbolicLink()).toBe(true)
    expect(await readlink(path.join(root, 'model.txt'))).toBe(object(root, FOO_MD5))
    expect(await readFile(path.join(root, 'data/clean.txt'), 'utf8')).toBe('foo')
    expect((await repro(root)).stages.map(s => s.status)).toEqual(['skipped'])
  })

  it('unprotects a persist output before its stage appends to it, so the cache object keeps its bytes', async () => {
    for (const type of ['hardlink', 'symlink']) {
      const root = await project(type, {
        'dvc.yaml': 'stages:\n  log:\n    cmd: chmod u+w log.txt 2>/dev/null; echo more >> log.txt\n    always_changed: true\n    outs:\n      - log.txt:\n          persist: true\n',
      })
      await repro(root)
      await repro(root)
      expect(await readFile(path.join(root, 'log.txt'), 'utf8')).toBe('more\nmore\n')
      expect(await readFile(object(root, md5('more\n')), 'utf8')).toBe('more\n')
      expect(await readFile(object(root, md5('more\nmore\n')), 'utf8')).toBe('more\nmore\n')
    }
  })

  it('rejects an unknown cache.type with a one-line error naming the valid ones', async () => {
    const root = await project('hardlnk')
    await expect(repro(root)).rejects.toThrow(".dvc/config: cache.type 'hardlnk' is not valid; use a comma-separated list of reflink, hardlink, symlink, copy")
  })
})
