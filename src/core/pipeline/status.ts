/**
 * Why a stage must run, by DVC 3's rules (`dvc status` / `dvc repro`): no lock entry; cmd changed; frozen
 * stages skip their deps; always_changed (and a stage with neither deps nor outs) always runs; a dep missing or
 * with another md5; a param missing, new or not equal (Python equality, so 1 == 1.0); an out not in the cache,
 * missing or with another md5. All reasons are collected so a dry run can show them.
 */
import path from 'node:path'
import type {DvcCache} from './cache.js'
import type {Hasher, PathDigest} from './hash.js'
import type {LockEntry, LockedPath} from './lock.js'
import {DEFAULT_PARAMS_FILE, type ParamsFiles} from './params-file.js'
import {NOT_FOUND, describePyValue, isPyMap, findKey, getDotted, pyEquals, pyScalarStr, type PyMap, type PyScalar, type PyValue} from './pyvalue.js'
import type {Stage, StageParams} from './types.js'

export interface StatusContext {
  root: string
  hasher: Hasher
  cache: DvcCache
  params: ParamsFiles
}

export async function stageReasons(stage: Stage, lock: LockEntry | undefined, ctx: StatusContext): Promise<string[]> {
  if (!lock) return ['no lock entry']
  const reasons: string[] = []
  if (!pyEquals(lock.cmd, stage.cmd)) reasons.push('cmd changed')
  if (!stage.frozen) {
    if (stage.alwaysChanged) reasons.push('always_changed is set')
    else if (stage.deps.length === 0 && stage.params.length === 0 && stage.outs.length === 0) reasons.push('a stage without deps or outs always runs')
    const dir = path.resolve(ctx.root, stage.wdir)
    for (const dep of stage.deps) {
      const reason = pathChange(await ctx.hasher.digest(path.resolve(dir, dep)), lock.deps.find(d => d.path === dep))
      if (reason) reasons.push(`dep ${dep} ${reason}`)
    }
    for (const params of stage.params) reasons.push(...(await paramChanges(params, lock.params.get(params.file), dir, ctx)))
  }
  reasons.push(...(await outChanges(stage, lock, ctx)))
  return reasons
}

async function outChanges(stage: Stage, lock: LockEntry, ctx: StatusContext): Promise<string[]> {
  const reasons: string[] = []
  const dir = path.resolve(ctx.root, stage.wdir)
  for (const out of stage.outs) {
    const locked = lock.outs.find(o => o.path === out.path)
    if (out.cache && locked?.hash === 'md5' && locked.md5 && !(await inCache(ctx.cache, locked.md5))) {
      reasons.push(`out ${out.path} not in cache`)
      continue
    }
    const reason = pathChange(await ctx.hasher.digest(path.resolve(dir, out.path)), locked)
    if (reason) reasons.push(`out ${out.path} ${reason}`)
  }
  return reasons
}

async function inCache(cache: DvcCache, md5: string): Promise<boolean> {
  if (!/^[0-9a-f]{32}(\.dir)?$/.test(md5)) return false
  return md5.endsWith('.dir') ? cache.hasTree(md5) : cache.has(md5)
}

function pathChange(digest: PathDigest | undefined, locked: LockedPath | undefined): string | undefined {
  if (!digest) return 'deleted'
  if (!locked?.md5) return 'new'
  if (locked.hash === undefined) return 'was hashed by DVC 2 (md5-dos2unix) and needs a DVC 3 hash'
  if (locked.hash !== 'md5') return `has a '${locked.hash}' hash, which sentiops does not compute`
  return locked.md5 === digest.md5 ? undefined : 'modified'
}

async function paramChanges(params: StageParams, recorded: PyMap | undefined, dir: string, ctx: StatusContext): Promise<string[]> {
  const data = await ctx.params.read(path.resolve(dir, params.file))
  const name = (key: PyScalar) => (params.file === DEFAULT_PARAMS_FILE ? '' : `${params.file}:`) + (typeof key === 'string' ? key : pyScalarStr(key))
  if (!data) return [`params file ${params.file} deleted`]
  if (!recorded) return params.keys ? params.keys.map(key => `param ${name(key)} new`) : [`params file ${params.file} new`]
  const actual = new Map<PyScalar, PyValue>()
  let keys: PyScalar[]
  if (params.keys) {
    keys = params.keys
    for (const key of params.keys) {
      const found = getDotted(data, key)
      if (found.found) actual.set(key, found.value)
    }
  } else {
    for (const [key, value] of data) actual.set(key, value)
    keys = [...actual.keys()]
    for (const key of recorded.keys()) if (findKey(actual, key) === NOT_FOUND) keys.push(key)
  }
  const reasons: string[] = []
  for (const key of keys) {
    const ownKey = findKey(actual, key)
    const lockKey = findKey(recorded, key)
    if (ownKey === NOT_FOUND) reasons.push(`param ${name(key)} deleted`)
    else if (lockKey === NOT_FOUND) reasons.push(`param ${name(key)} new`)
    else {
      const before = recorded.get(lockKey)!
      const now = actual.get(ownKey)!
      if (!pyEquals(before, now)) reasons.push(...describeParamChange(name(key), before, now))
    }
  }
  return reasons
}

/** For a whole section (a map), name the leaf keys that changed: "param train.algorithm modified: lr -> mnb". */
function describeParamChange(key: string, before: PyValue, now: PyValue): string[] {
  if (!isPyMap(before) || !isPyMap(now)) return [`param ${key} modified: ${describePyValue(before)} -> ${describePyValue(now)}`]
  const out: string[] = []
  const keys = new Set<PyScalar>([...before.keys(), ...now.keys()])
  for (const k of keys) {
    const child = `${key}.${String(k)}`
    if (!before.has(k)) out.push(`param ${child} new`)
    else if (!now.has(k)) out.push(`param ${child} deleted`)
    else if (!pyEquals(before.get(k)!, now.get(k)!)) out.push(...describeParamChange(child, before.get(k)!, now.get(k)!))
  }
  return out
}
