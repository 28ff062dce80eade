/**
 * ModelRegistry over MLflow's file layout under `<root>/models/` (spec §2): one folder per registered model with
 * meta.yaml, tags/, aliases/ and version-N/ folders. Every change runs under the store's writer lock; a new
 * version folder is built aside and renamed into place, which also fails if the number was taken.
 */
import {readdir, readFile, rm, writeFile, mkdir} from 'node:fs/promises'
import path from 'node:path'
import {UsageError, UserError} from '../../errors.js'
import {AlreadyExistsError, NotFoundError} from '../errors.js'
import {normalizeTags} from '../inputs.js'
import {validateAlias, validateModelName, validateVersion, normalizeStage} from '../names.js'
import type {ModelRegistry, ModelVersion, RegisteredModel, Stage} from '../store.js'
import {STAGES} from '../store.js'
import {dumpMlflowYaml, readYamlMapping} from '../yaml.js'
import {META_FILE, VERSION_DIR_PREFIX} from './layout.js'
import {DELETED_STAGE, registeredModelFromMeta, registeredModelToMeta, versionFromMeta, versionToMeta, type VersionMeta} from './meta.js'
import type {FileStoreRoot} from './root.js'
import {readValueDir} from './values.js'
import {createDirAtomicIn, writeFileAtomicIn} from './writer.js'

export class FileModelRegistry implements ModelRegistry {
  readonly uri: string

  constructor(private readonly store: FileStoreRoot) {
    this.uri = store.uri
  }

  private get layout() {
    return this.store.layout
  }

  async createRegisteredModel(name: string, options: {description?: string; tags?: Record<string, string>} = {}): Promise<RegisteredModel> {
    validateModelName(name)
    const tags = normalizeTags(options.tags ?? {})
    return this.store.locked(async () => {
      const now = Date.now()
      const meta = registeredModelToMeta({name, creationTimestamp: now, lastUpdatedTimestamp: now, description: options.description ?? ''})
      const created = await createDirAtomicIn(this.layout.root, this.layout.modelDir(name), async dir => {
        await writeFile(path.join(dir, META_FILE), dumpMlflowYaml(meta))
        for (const [key, value] of tags) {
          const file = this.layout.keyFile(path.join(dir, 'tags'), key)
          await mkdir(path.dirname(file), {recursive: true})
          await writeFile(file, value)
        }
      })
      if (!created) throw new AlreadyExistsError(`registered model '${name}' already exists in ${this.uri}`)
      return this.getRegisteredModel(name)
    })
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    validateModelName(name)
    const dir = this.layout.modelDir(name)
    const file = path.join(dir, META_FILE)
    const meta = await readYamlMapping(file)
    if (!meta) throw new NotFoundError(`registered model '${name}' not found in ${this.uri}`)
    const base = registeredModelFromMeta(meta, file)
    const versions = await this.readVersions(name)
    return {
      ...base,
      tags: await readValueDir(path.join(dir, 'tags')),
      aliases: await this.readAliases(name),
      latestVersions: latestPerStage(versions, [...STAGES]),
    }
  }

  async listRegisteredModels(): Promise<RegisteredModel[]> {
    let names: string[]
    try {
      const entries = await readdir(this.layout.modelsRoot, {withFileTypes: true})
      names = entries.filter(e => e.isDirectory() && !e.name.startsWith('.')).map(e => e.name).sort()
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw error
    }
    return Promise.all(names.map(n => this.getRegisteredModel(n)))
  }

  async createModelVersion(name: string, source: string, runId?: string, tags: Record<string, string> = {}): Promise<ModelVersion> {
    validateModelName(name)
    if (!source || source.split(/[/\\]/).includes('..')) throw new UserError(`invalid model version source '${source}': it must be an artifact URI without '..'`)
    const tagEntries = normalizeTags(tags)
    return this.store.locked(async () => {
      const model = await this.requireModelMeta(name)
      const now = Date.now()
      // Deleted versions keep their folder, so their numbers are never reused.
      let next = Math.max(0, ...(await this.versionNumbers(name))) + 1
      for (;;) {
        const meta: VersionMeta = {
          name, version: String(next), creationTimestamp: now, lastUpdatedTimestamp: now, currentStage: 'None', description: '',
          source, storageLocation: source, runId, runLink: '', status: 'READY',
        }
        const created = await createDirAtomicIn(this.layout.root, this.layout.versionDir(name, next), async dir => {
          await writeFile(path.join(dir, META_FILE), dumpMlflowYaml(versionToMeta(meta)))
          for (const [key, value] of tagEntries) {
            const file = this.layout.keyFile(path.join(dir, 'tags'), key)
            await mkdir(path.dirname(file), {recursive: true})
            await writeFile(file, value)
          }
        })
        if (created) break
        next++
      }
      await this.touchModel(model.file, model.meta, now)
      return this.getModelVersion(name, String(next))
    })
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    validateModelName(name)
    validateVersion(version)
    const meta = await this.readVersionMeta(name, version)
    if (!meta || meta.meta.currentStage === DELETED_STAGE) {
      await this.requireModelMeta(name)
      throw new NotFoundError(`version ${version} of registered model '${name}' not found in ${this.uri}`)
    }
    return this.toVersion(meta.meta, await this.readAliases(name))
  }

  async searchModelVersions(name: string): Promise<ModelVersion[]> {
    validateModelName(name)
    await this.requireModelMeta(name)
    return this.readVersions(name)
  }

  async transitionStage(name: string, version: string, stage: string, archiveExisting: boolean): Promise<ModelVersion> {
    const target = normalizeStage(stage)
    if (archiveExisting && target !== 'Staging' && target !== 'Production') {
      throw new UsageError(`archive-existing works only with the Staging or Production stage (not ${target})`)
    }
    validateVersion(version)
    return this.store.locked(async () => {
      const model = await this.requireModelMeta(name)
      const now = Date.now()
      const current = await this.readVersionMeta(name, version)
      if (!current || current.meta.currentStage === DELETED_STAGE) throw new NotFoundError(`version ${version} of registered model '${name}' not found in ${this.uri}`)
      await this.writeVersionMeta(current.file, {...current.meta, currentStage: target, lastUpdatedTimestamp: now})
      if (archiveExisting) {
        for (const n of await this.versionNumbers(name)) {
          if (String(n) === String(version)) continue
          const other = await this.readVersionMeta(name, String(n))
          if (other && other.meta.currentStage === target) await this.writeVersionMeta(other.file, {...other.meta, currentStage: 'Archived', lastUpdatedTimestamp: now})
        }
      }
      await this.touchModel(model.file, model.meta, now)
      return this.getModelVersion(name, version)
    })
  }

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    validateAlias(alias)
    validateVersion(version)
    await this.store.locked(async () => {
      const model = await this.requireModelMeta(name)
      await this.getModelVersion(name, version)
      await writeFileAtomicIn(this.layout.root, path.join(this.layout.modelDir(name), 'aliases', alias), String(Number(version)))
      await this.touchModel(model.file, model.meta, Date.now())
    })
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    validateAlias(alias)
    await this.store.locked(async () => {
      const model = await this.requireModelMeta(name)
      const file = path.join(this.layout.modelDir(name), 'aliases', alias)
      const aliases = await this.readAliases(name)
      if (!(alias in aliases)) throw new NotFoundError(`alias '${alias}' of registered model '${name}' not found in ${this.uri}`)
      await rm(file, {force: true})
      await this.touchModel(model.file, model.meta, Date.now())
    })
  }

  async getVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    validateModelName(name)
    await this.requireModelMeta(name)
    const version = (await this.readAliases(name))[alias]
    if (version === undefined) throw new NotFoundError(`alias '${alias}' of registered model '${name}' not found in ${this.uri}`)
    return this.getModelVersion(name, version)
  }

  async getLatestVersions(name: string, stages?: Stage[]): Promise<ModelVersion[]> {
    validateModelName(name)
    await this.requireModelMeta(name)
    const wanted = (stages && stages.length > 0 ? stages : [...STAGES]).map(s => normalizeStage(s))
    return latestPerStage(await this.readVersions(name), wanted)
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    const [[k, v]] = normalizeTags({[key]: value})
    await this.getModelVersion(name, version)
    await writeFileAtomicIn(this.layout.root, this.layout.keyFile(path.join(this.layout.versionDir(name, Number(version)), 'tags'), k), v)
  }

  private async requireModelMeta(name: string): Promise<{file: string; meta: Record<string, unknown>}> {
    validateModelName(name)
    const file = path.join(this.layout.modelDir(name), META_FILE)
    const meta = await readYamlMapping(file)
    if (!meta) throw new NotFoundError(`registered model '${name}' not found in ${this.uri}`)
    registeredModelFromMeta(meta, file)
    return {file, meta}
  }

  /** Bumps `last_updated_timestamp` (on version creation, transitions and alias changes, as MLflow does). */
  private async touchModel(file: string, meta: Record<string, unknown>, now: number): Promise<void> {
    await writeFileAtomicIn(this.layout.root, file, dumpMlflowYaml({...meta, last_updated_timestamp: now}))
  }

  private async versionNumbers(name: string): Promise<number[]> {
    let entries
    try {
      entries = await readdir(this.layout.modelDir(name), {withFileTypes: true})
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw error
    }
    return entries
      .filter(e => e.isDirectory() && e.name.startsWith(VERSION_DIR_PREFIX) && /^\d+$/.test(e.name.slice(VERSION_DIR_PREFIX.length)))
      .map(e => Number(e.name.slice(VERSION_DIR_PREFIX.length)))
  }

  private async readVersionMeta(name: string, version: string): Promise<{file: string; meta: VersionMeta; raw: Record<string, unknown>} | undefined> {
    const file = path.join(this.layout.versionDir(name, Number(version)), META_FILE)
    const raw = await readYamlMapping(file)
    if (!raw) return undefined
    return {file, meta: versionFromMeta(raw, file), raw}
  }

  private async writeVersionMeta(file: string, meta: VersionMeta): Promise<void> {
    const raw = (await readYamlMapping(file)) ?? {}
    await writeFileAtomicIn(this.layout.root, file, dumpMlflowYaml({...raw, ...versionToMeta(meta)}))
  }

  /** All live versions, newest first. */
  private async readVersions(name: string): Promise<ModelVersion[]> {
    const aliases = await this.readAliases(name)
    const out: ModelVersion[] = []
    for (const n of (await this.versionNumbers(name)).sort((a, b) => b - a)) {
      const read = await this.readVersionMeta(name, String(n))
      if (read && read.meta.currentStage !== DELETED_STAGE) out.push(await this.toVersion(read.meta, aliases))
    }
    return out
  }

  private async toVersion(meta: VersionMeta, aliases: Record<string, string>): Promise<ModelVersion> {
    const tags = await readValueDir(path.join(this.layout.versionDir(meta.name, Number(meta.version)), 'tags'))
    return {
      ...meta,
      currentStage: meta.currentStage as Stage,
      tags,
      aliases: Object.entries(aliases).filter(([, v]) => v === meta.version).map(([a]) => a).sort(),
    }
  }

  /** alias → version, from the `aliases/` folder (the map in meta.yaml is never read, as in MLflow). */
  private async readAliases(name: string): Promise<Record<string, string>> {
    const dir = path.join(this.layout.modelDir(name), 'aliases')
    let names: string[]
    try {
      names = (await readdir(dir, {withFileTypes: true})).filter(e => e.isFile()).map(e => e.name)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {}
      throw error
    }
    const out: Record<string, string> = {}
    for (const alias of names.sort()) {
      const text = (await readFile(path.join(dir, alias), 'utf8')).trim()
      if (!/^\d+$/.test(text)) throw new UserError(`${path.join(dir, alias)}: expected a version number, found '${text.slice(0, 40)}'`)
      out[alias] = String(Number(text))
    }
    return out
  }
}

/** The newest version in each wanted stage. */
function latestPerStage(versions: ModelVersion[], stages: Stage[]): ModelVersion[] {
  const out: ModelVersion[] = []
  for (const stage of stages) {
    const inStage = versions.filter(v => v.currentStage === stage)
    if (inStage.length > 0) out.push(inStage.reduce((a, b) => (Number(b.version) > Number(a.version) ? b : a)))
  }
  return out
}
