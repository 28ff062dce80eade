import {chmod, mkdir, readFile, symlink, utimes, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {DvcIgnore} from '../../src/core/pipeline/dvcignore.js'
import {Hasher, dirListingJson, hashDir, hashFile, pythonJsonString} from '../../src/core/pipeline/hash.js'
import {Md5State} from '../../src/core/pipeline/md5-state.js'
import {tempDir, writeFiles} from './helpers.js'

describe('DVC 3 file hashes', () => {
  it('are the md5 of the raw bytes: the spec vectors "foo" and "bar"', async () => {
    const dir = tempDir()
    await writeFiles(dir, {foo: 'foo', bar: 'bar'})
    expect(await hashFile(path.join(dir, 'foo'))).toEqual({md5: 'acbd18db4cc2f85cedef654fccc4a4d8', size: 3})
    expect(await hashFile(path.join(dir, 'bar'))).toEqual({md5: '37b51d194a7513e45b56f6524f2d51f2', size: 3})
  })

  it('do not normalize line endings (DVC 3 dropped dos2unix)', async () => {
    const dir = tempDir()
    await writeFiles(dir, {crlf: 'a\r\nb\r\n', lf: 'a\nb\n'})
    const crlf = await hashFile(path.join(dir, 'crlf'))
    const lf = await hashFile(path.join(dir, 'lf'))
    expect(crlf.md5).not.toBe(lf.md5)
    expect(crlf.size).toBe(6)
  })

  it('record isexec only for files with an executable bit', async () => {
    const dir = tempDir()
    await writeFiles(dir, {run: '#!/bin/sh\n', data: 'x'})
    await chmod(path.join(dir, 'run'), 0o755)
    const hasher = new Hasher()
    expect(await hasher.digest(path.join(dir, 'run'))).toMatchObject({type: 'file', isexec: true})
    expect(await hasher.digest(path.join(dir, 'data'))).toMatchObject({type: 'file', isexec: false})
    expect(await hasher.digest(path.join(dir, 'missing'))).toBeUndefined()
  })
})

describe('DVC 3 directory hashes', () => {
  it('reproduce dvc-data\'s vector: {foo, bar} is 5ea40360f5b4ec688df672a4db9c17d1.dir', async () => {
    const dir = tempDir()
    await writeFiles(dir, {'data/foo': 'foo', 'data/bar': 'bar'})
    expect(await hashDir(path.join(dir, 'data'))).toEqual({md5: '5ea40360f5b4ec688df672a4db9c17d1.dir', size: 6, nfiles: 2})
    const digest = await new Hasher().digestDir(path.join(dir, 'data'))
    expect(digest.listing.toString('utf8')).toBe(
      '[{"md5": "37b51d194a7513e45b56f6524f2d51f2", "relpath": "bar"}, {"md5": "acbd18db4cc2f85cedef654fccc4a4d8", "relpath": "foo"}]',
    )
  })

  it('escape non-ASCII relpaths like Python json.dumps and sort them by code point (astral after U+FF61)', async () => {
    const dir = tempDir()
    await writeFiles(dir, {'d/a/b': 'w', 'd/é': 'x', 'd/｡': 'y', 'd/😀': 'z'})
    const digest = await new Hasher().digestDir(path.join(dir, 'd'))
    // UTF-16 order would put 😀 (D83D DE00) before ｡ (FF61); Python compares code points.
    expect(digest.listing.toString('utf8')).toBe(
      '[{"md5": "f1290186a5d0b1ceab27f4e77c0c5d68", "relpath": "a/b"}, ' +
        '{"md5": "9dd4e461268c8034f5c8564e155c67a6", "relpath": "\\u00e9"}, ' +
        '{"md5": "415290769594460e2e485922904f345d", "relpath": "\\uff61"}, ' +
        '{"md5": "fbade9e36a3f36d3d676c1b808451dd7", "relpath": "\\ud83d\\ude00"}]',
    )
    expect(digest.md5).toBe('c944320c4e9b33218e61f8690cd31bd8.dir')
    expect(digest).toMatchObject({size: 4, nfiles: 4})
  })

  it('escape quotes, backslashes, control characters and DEL like Python', () => {
    expect(pythonJsonString('a"b\\c\n\t\u0001\u007f/')).toBe('"a\\"b\\\\c\\n\\t\\u0001\\u007f/"')
    expect(dirListingJson([])).toBe('[]')
  })

  it('hash an empty directory as the md5 of "[]"', async () => {
    const dir = tempDir()
    await mkdir(path.join(dir, 'empty/sub'), {recursive: true})
    expect(await hashDir(path.join(dir, 'empty'))).toEqual({md5: 'd751713988987e9331980363e24189ce.dir', size: 0, nfiles: 0})
  })

  it('skip .git, .hg/ and .dvc/, follow links to files but not to folders', async () => {
    const dir = tempDir()
    await writeFiles(dir, {'d/foo': 'foo', 'd/.git/HEAD': 'x', 'd/.hg/x': 'x', 'd/.dvc/config': '', 'outside/bar': 'bar', 'outside/sub/z': 'z'})
    await symlink(path.join(dir, 'outside/bar'), path.join(dir, 'd/bar'))
    await symlink(path.join(dir, 'outside/sub'), path.join(dir, 'd/linked-dir'))
    expect(await hashDir(path.join(dir, 'd'))).toEqual({md5: '5ea40360f5b4ec688df672a4db9c17d1.dir', size: 6, nfiles: 2})
  })

  it('apply .dvcignore patterns from the folders above, and refuse one inside the tracked folder', async () => {
    const dir = tempDir()
    await writeFiles(dir, {'.dvcignore': '*.tmp\n', 'd/foo': 'foo', 'd/bar': 'bar', 'd/scratch.tmp': 'junk'})
    const hasher = new Hasher({ignore: new DvcIgnore(dir)})
    expect(await hasher.digest(path.join(dir, 'd'))).toMatchObject({md5: '5ea40360f5b4ec688df672a4db9c17d1.dir', nfiles: 2})
    await expect(hasher.digest(path.join(dir, 'd/scratch.tmp'))).rejects.toThrow("'d/scratch.tmp' is ignored by .dvcignore")
    await writeFiles(dir, {'d/.dvcignore': 'foo\n'})
    await expect(hasher.digest(path.join(dir, 'd'))).rejects.toThrow('a .dvcignore file may not be inside a tracked folder')
  })

  it('report a dangling symlink inside a tracked folder', async () => {
    const dir = tempDir()
    await mkdir(path.join(dir, 'd'))
    await symlink(path.join(dir, 'nowhere'), path.join(dir, 'd/broken'))
    await expect(hashDir(path.join(dir, 'd'))).rejects.toThrow('dangling symlink')
  })
})

describe('the md5 state (stat-keyed cache of hashes)', () => {
  it('reuses a recorded md5 while inode, size, mtime and ctime are unchanged', async () => {
    const dir = tempDir()
    const file = path.join(dir, 'big')
    await writeFile(file, 'foo')
    const old = new Date(Date.now() - 3600_000)
    await utimes(file, old, old)
    const stateFile = path.join(dir, 'state.json')
    const first = await Md5State.open(stateFile)
    await new Hasher({state: first}).digest(file)
    await first.save()
    // Tamper with the recorded md5: a hasher that trusts the state returns it without reading the file.
    const saved = JSON.parse(await readFile(stateFile, 'utf8')) as {entries: Record<string, {md5: string}>}
    saved.entries[file]!.md5 = '0'.repeat(32)
    await writeFile(stateFile, JSON.stringify(saved))
    expect(await new Hasher({state: await Md5State.open(stateFile)}).digest(file)).toMatchObject({md5: '0'.repeat(32)})
    // Rewriting the file with the same size and mtime still changes its ctime: the md5 is computed again.
    await writeFile(file, 'bar')
    await utimes(file, old, old)
    expect(await new Hasher({state: await Md5State.open(stateFile)}).digest(file)).toMatchObject({md5: '37b51d194a7513e45b56f6524f2d51f2'})
  })

  it('does not trust, in a later run, an md5 computed right after the file changed (racy write)', async () => {
    const dir = tempDir()
    const file = path.join(dir, 'fresh')
    await writeFile(file, 'foo')
    const stateFile = path.join(dir, 'state.json')
    const first = await Md5State.open(stateFile)
    await new Hasher({state: first}).digest(file)
    await first.save()
    const saved = JSON.parse(await readFile(stateFile, 'utf8')) as {entries: Record<string, {md5: string}>}
    saved.entries[file]!.md5 = '0'.repeat(32)
    await writeFile(stateFile, JSON.stringify(saved))
    expect(await new Hasher({state: await Md5State.open(stateFile)}).digest(file)).toMatchObject({md5: 'acbd18db4cc2f85cedef654fccc4a4d8'})
  })

  it('starts empty from a corrupt state file', async () => {
    const dir = tempDir()
    await writeFiles(dir, {'state.json': '{not json', foo: 'foo'})
    const state = await Md5State.open(path.join(dir, 'state.json'))
    expect(await new Hasher({state}).digest(path.join(dir, 'foo'))).toMatchObject({md5: 'acbd18db4cc2f85cedef654fccc4a4d8'})
  })
})
