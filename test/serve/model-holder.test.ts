import {mkdir, rename, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {UserError} from '../../src/core/errors.js'
import {ModelHolder, type HolderLog} from '../../src/serve/model-holder.js'
import type {ModelRef} from '../../src/serve/model-ref.js'
import {fakeBundle} from './support/fake-bundle.js'
import {tempDir} from './support/model.js'

/** A registry stand-in: the test moves the alias; the holder only sees what `resolve` returns. */
function registry(initial: ModelRef) {
  const state = {ref: initial as ModelRef | Error, resolves: 0}
  return {
    state,
    resolve: async (): Promise<ModelRef> => {
      state.resolves++
      if (state.ref instanceof Error) throw state.ref
      return state.ref
    },
  }
}

function recordingLog() {
  const lines: Array<{level: string; msg: string}> = []
  const at = (level: string) => (_obj: object, msg: string) => lines.push({level, msg})
  const log: HolderLog = {info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug')}
  return {log, lines}
}

async function bundleDirs(n: number): Promise<string[]> {
  const root = await tempDir('sentiops-holder-')
  const dirs = []
  for (let i = 1; i <= n; i++) {
    const dir = path.join(root, `v${i}`)
    await mkdir(dir)
    dirs.push(dir)
  }
  return dirs
}

const broken = new Set<string>()
const load = async (dir: string) => {
  if (broken.has(dir)) throw new UserError(`no model bundle at ${dir} (missing bundle.json)`)
  return fakeBundle(dir)
}

describe('ModelHolder', () => {
  it('is not ready until the first load, then reports the registry identity', async () => {
    const [v1] = await bundleDirs(1)
    const reg = registry({dir: v1!, name: 'sentiment', version: '1', alias: 'champion'})
    const holder = new ModelHolder({uri: 'models:/sentiment@champion', resolve: reg.resolve, load})
    expect([holder.ready, holder.model]).toEqual([false, undefined])
    const model = await holder.load()
    expect(holder.ready).toBe(true)
    expect(model).toMatchObject({name: 'sentiment', version: '1', alias: 'champion', stage: '', uri: 'models:/sentiment@champion', dir: v1})
    expect(model.loadMs).toBeGreaterThanOrEqual(0)
  })

  it('names a plain path by its directory and versions it by a digest of the bundle metadata', async () => {
    const [v1, v2] = await bundleDirs(2)
    const a = await new ModelHolder({uri: v1!, resolve: async uri => ({dir: uri}), load}).load()
    const b = await new ModelHolder({uri: v2!, resolve: async uri => ({dir: uri}), load}).load()
    expect(a.name).toBe('v1')
    expect(a.version).toMatch(/^sha256-[0-9a-f]{12}$/)
    expect(b.version).not.toBe(a.version)
    const again = await new ModelHolder({uri: v1!, resolve: async uri => ({dir: uri}), load}).load()
    expect(again.version).toBe(a.version)
  })

  it('keeps the model when the URI still points to it, and swaps atomically when the alias moves', async () => {
    const [v1, v2] = await bundleDirs(2)
    const reg = registry({dir: v1!, name: 's', version: '1', alias: 'champion'})
    const holder = new ModelHolder({uri: 'models:/s@champion', resolve: reg.resolve, load})
    const swaps: string[] = []
    holder.subscribe({loaded: (m, prev) => swaps.push(`${prev?.version ?? '-'}→${m.version}`)})
    const first = await holder.load()
    expect(await holder.refresh()).toEqual({status: 'unchanged', model: first})
    reg.state.ref = {dir: v2!, name: 's', version: '2', alias: 'champion'}
    const outcome = await holder.refresh()
    expect(outcome.status).toBe('swapped')
    expect(holder.model?.version).toBe('2')
    expect(holder.model?.bundle.dir).toBe(v2)
    expect(swaps).toEqual(['-→1', '1→2'])
  })

  it('reloads a bundle directory that was replaced in place (a new inode)', async () => {
    const [v1, other] = await bundleDirs(2)
    const holder = new ModelHolder({uri: v1!, resolve: async uri => ({dir: uri}), load})
    await holder.load()
    expect((await holder.refresh()).status).toBe('unchanged')
    await writeFile(path.join(other!, 'marker'), 'retrained')
    await rename(v1!, `${v1}.old`)
    await rename(other!, v1!)
    expect((await holder.refresh()).status).toBe('swapped')
  })

  it('keeps serving the old version when a new one fails to load, counts it once, and does not retry it', async () => {
    const [v1, v2, v3] = await bundleDirs(3)
    broken.add(v2!)
    const reg = registry({dir: v1!, name: 's', version: '1'})
    const {log, lines} = recordingLog()
    const holder = new ModelHolder({uri: 'models:/s/Production', resolve: reg.resolve, load, log})
    const failures: string[] = []
    holder.subscribe({failed: e => failures.push(e.message)})
    await holder.load()
    reg.state.ref = {dir: v2!, name: 's', version: '2'}
    const outcome = await holder.refresh()
    expect(outcome.status).toBe('failed')
    expect(holder.model?.version).toBe('1')
    expect(holder.ready).toBe(true)
    expect(failures).toEqual([`no model bundle at ${v2} (missing bundle.json)`])
    expect(lines.at(-1)).toEqual({level: 'warn', msg: `cannot load model models:/s/Production from ${v2}: no model bundle at ${v2} (missing bundle.json); the current model keeps serving`})
    // The same broken candidate is not loaded (nor counted) again on the next polls.
    await holder.refresh()
    await holder.refresh()
    expect(failures).toHaveLength(1)
    reg.state.ref = {dir: v3!, name: 's', version: '3'}
    expect((await holder.refresh()).status).toBe('swapped')
    expect(holder.model?.version).toBe('3')
  })

  it('rejects a candidate whose probe predictions are invalid', async () => {
    const [v1, v2] = await bundleDirs(2)
    const reg = registry({dir: v1!, version: '1'})
    const holder = new ModelHolder({
      uri: 'models:/s@a',
      resolve: reg.resolve,
      load: async dir => fakeBundle(dir, dir === v2 ? {badProbabilities: true} : {}),
    })
    await holder.load()
    reg.state.ref = {dir: v2!, version: '2'}
    const outcome = await holder.refresh()
    expect(outcome.status).toBe('failed')
    expect(outcome.status === 'failed' && outcome.error.message).toMatch(/bundle answered an invalid probe prediction \(label "positive", probabilities summing to 1.4\)/)
    expect(holder.model?.version).toBe('1')
  })

  it('reports an unreachable registry, logs it once while it lasts, and keeps serving', async () => {
    const [v1] = await bundleDirs(1)
    const reg = registry({dir: v1!, version: '1'})
    const {log, lines} = recordingLog()
    const holder = new ModelHolder({uri: 'models:/s@a', resolve: reg.resolve, load, log})
    const failures: Error[] = []
    holder.subscribe({failed: e => failures.push(e)})
    await holder.load()
    reg.state.ref = new Error('connect ECONNREFUSED 127.0.0.1:5000')
    for (let i = 0; i < 3; i++) expect((await holder.refresh()).status).toBe('failed')
    expect(failures).toHaveLength(3)
    expect(lines.filter(l => l.level === 'warn')).toHaveLength(1)
    expect(lines.filter(l => l.level === 'debug')).toHaveLength(2)
    expect(holder.model?.version).toBe('1')
  })

  it('fails the first load with the loader\'s readable error', async () => {
    const [v1] = await bundleDirs(1)
    broken.add(v1!)
    const holder = new ModelHolder({uri: v1!, resolve: async uri => ({dir: uri}), load})
    await expect(holder.load()).rejects.toThrow(`no model bundle at ${v1} (missing bundle.json)`)
    expect(holder.ready).toBe(false)
  })

  it('polls with watch() and picks up a promoted version; close() stops polling and readiness', async () => {
    const [v1, v2] = await bundleDirs(2)
    const reg = registry({dir: v1!, version: '1'})
    const holder = new ModelHolder({uri: 'models:/s@a', resolve: reg.resolve, load})
    await holder.load()
    const swapped = new Promise<string>(resolve => holder.subscribe({loaded: m => resolve(m.version)}))
    holder.watch(20)
    reg.state.ref = {dir: v2!, version: '2'}
    expect(await swapped).toBe('2')
    await holder.close()
    expect(holder.ready).toBe(false)
    expect(holder.model?.version).toBe('2')
    const polls = reg.state.resolves
    await new Promise(resolve => setTimeout(resolve, 80))
    expect(reg.state.resolves).toBe(polls)
  })

  it('runs one refresh at a time', async () => {
    const [v1] = await bundleDirs(1)
    const reg = registry({dir: v1!, version: '1'})
    const holder = new ModelHolder({uri: 'models:/s@a', resolve: reg.resolve, load})
    await Promise.all([holder.refresh(), holder.refresh(), holder.refresh()])
    expect(reg.state.resolves).toBe(1)
  })
})
