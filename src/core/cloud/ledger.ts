import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {ExternalError, UserError} from '../errors.js'
import {writeFileAtomic} from '../fs/atomic.js'
import {awsTarget} from './aws.js'
import type {CloudConfig} from './config.js'
import {S3Artifacts, WriteConflict} from './s3.js'

/**
 * The ledger (`.sentiops/state.json` by default) lists every cloud object sentiops created, so teardown
 * deletes exactly those and nothing else. An entry is written *before* the call that creates the object
 * (state `pending`) and confirmed after it (`created`): a crash or a failed call in between still leaves
 * teardown a record of what may exist.
 *
 * Shared ledger: with SENTIOPS_LEDGER_URI=s3://BUCKET/KEY the ledger is that S3 object, so CD and every laptop
 * read and write the same list. Each change re-reads the object and writes it back with If-Match on the ETag
 * read (If-None-Match: * for the first write); when another writer got there first S3 answers 412 and the
 * change is applied again on the fresh copy, so concurrent writers never lose each other's entries. The local
 * state file then holds a copy of the last version seen, marked `cacheOf: <uri>` (never read back while the
 * shared location is configured; it is the fallback ledger if the variable is unset again). A local ledger
 * from before sharing (no marker) is merged into the shared one on first use, so nothing it lists is lost.
 * Without SENTIOPS_LEDGER_URI the local state file is the ledger, as before.
 */

export type LedgerResource =
  | {type: 'ecr-repository'; region: string; name: string}
  | {type: 'ecr-image'; region: string; repository: string; tag: string; digest?: string; imageId?: string}
  | {type: 'eks-cluster'; region: string; name: string; kubeconfig?: string}
  | {type: 'kubernetes'; context: string; apiVersion: string; kind: string; namespace?: string; name: string; loadBalancer?: boolean}
  | {type: 's3-prefix'; region: string; bucket: string; prefix: string}

export type LedgerEntry = LedgerResource & {state: 'pending' | 'created'; createdAt: string}

export interface LedgerFile {
  format: 'sentiops-ledger'
  version: 1
  project: string
  entries: LedgerEntry[]
  /** Set in the local copy of a shared ledger: the s3:// URI it mirrors. */
  cacheOf?: string
}

/** A stable identity for a resource (its kind and the names that locate it). */
export function resourceKey(r: LedgerResource): string {
  switch (r.type) {
    case 'ecr-repository':
      return `ecr-repository/${r.region}/${r.name}`
    case 'ecr-image':
      return `ecr-image/${r.region}/${r.repository}:${r.tag}`
    case 'eks-cluster':
      return `eks-cluster/${r.region}/${r.name}`
    case 'kubernetes':
      return `kubernetes/${r.context}/${r.apiVersion}/${r.kind}/${r.namespace ?? ''}/${r.name}`
    case 's3-prefix':
      return `s3-prefix/${r.bucket}/${r.prefix}`
  }
}

export function describeResource(r: LedgerResource): string {
  switch (r.type) {
    case 'ecr-repository':
      return `ECR repository ${r.name} (${r.region})`
    case 'ecr-image':
      return `ECR image ${r.repository}:${r.tag} (${r.region})`
    case 'eks-cluster':
      return `EKS cluster ${r.name} (${r.region})`
    case 'kubernetes':
      return `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`
    case 's3-prefix':
      return `S3 objects under s3://${r.bucket}/${r.prefix}`
  }
}

/** Where the ledger lives: the shared S3 object when configured, otherwise the local state file. */
export type LedgerLocation = {kind: 'file'; file: string} | {kind: 's3'; uri: string; bucket: string; key: string; cache: string}

export const LEDGER_URI_ENV = 'SENTIOPS_LEDGER_URI'

/** SENTIOPS_LEDGER_URI wins over the optional `cloud.ledger_uri` param; neither set means the local state file. */
export function ledgerLocation(cwd: string, cloud: Pick<CloudConfig, 'state_file'> & {ledger_uri?: string}, env: NodeJS.ProcessEnv = process.env): LedgerLocation {
  const file = path.resolve(cwd, cloud.state_file)
  const uri = env[LEDGER_URI_ENV]?.trim() || cloud.ledger_uri?.trim()
  if (!uri) return {kind: 'file', file}
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/.exec(uri)
  if (!match || match[2]!.endsWith('/')) {
    throw new UserError(`${env[LEDGER_URI_ENV]?.trim() ? LEDGER_URI_ENV : 'cloud.ledger_uri'}=${uri} is not an S3 object URI`, {suggestions: ['use s3://BUCKET/PREFIX/ledger.json (a bucket CD and your laptop can both read and write)']})
  }
  return {kind: 's3', uri, bucket: match[1]!, key: match[2]!, cache: file}
}

/** Opens the project's ledger where `ledgerLocation` says (shared S3 object or local file). */
export async function openLedger(cwd: string, cloud: Pick<CloudConfig, 'state_file' | 'project' | 'region' | 'endpoint_url'> & {ledger_uri?: string}, options: {env?: NodeJS.ProcessEnv; s3?: S3Artifacts; now?: () => Date} = {}): Promise<Ledger> {
  const location = ledgerLocation(cwd, cloud, options.env)
  if (location.kind === 'file') return Ledger.open(location.file, cloud.project, options.now)
  const s3 = options.s3 ?? new S3Artifacts(awsTarget(cloud))
  const store = new S3Store(location, s3, !options.s3)
  const ledger = await Ledger.fromStore(store, cloud.project, options.now)
  const local = await new FileStore(location.cache).load()
  if (local.text !== undefined) {
    const before = parseLedger(local.text, {location: location.cache, shared: false}, cloud.project, true)
    if (before.cacheOf !== location.uri) await ledger.adopt(before.entries)
  }
  await store.writeCache(ledger.snapshot())
  return ledger
}

export interface LedgerStore {
  readonly location: string
  readonly shared: boolean
  /** The stored text (undefined when there is none yet) and its version for the next conditional write. */
  load(): Promise<{text?: string; version?: string}>
  /** Writes `text` if the stored version is still `version`; returns the new version or throws WriteConflict. */
  save(text: string, version: string | undefined): Promise<string | undefined>
  close(): void
}

class FileStore implements LedgerStore {
  readonly shared = false
  constructor(readonly location: string) {}

  async load(): Promise<{text?: string}> {
    try {
      return {text: await readFile(this.location, 'utf8')}
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      return {}
    }
  }

  async save(text: string): Promise<undefined> {
    await writeFileAtomic(this.location, text)
    return undefined
  }

  close(): void {}
}

class S3Store implements LedgerStore {
  readonly shared = true
  readonly location: string
  constructor(
    private readonly where: Extract<LedgerLocation, {kind: 's3'}>,
    private readonly s3: S3Artifacts,
    private readonly owned: boolean,
  ) {
    this.location = where.uri
  }

  async load(): Promise<{text?: string; version?: string}> {
    await this.s3.checkCredentials()
    const object = await this.s3.read(this.where.bucket, this.where.key)
    return object ? {text: object.body, version: object.etag} : {}
  }

  async save(text: string, version: string | undefined): Promise<string> {
    const etag = await this.s3.writeIfUnchanged(this.where.bucket, this.where.key, text, version)
    await this.writeCache(JSON.parse(text) as LedgerFile)
    return etag
  }

  async writeCache(data: LedgerFile): Promise<void> {
    await writeFileAtomic(this.where.cache, JSON.stringify({...data, cacheOf: this.where.uri}, null, 2) + '\n')
  }

  close(): void {
    if (this.owned) this.s3.destroy()
  }
}

/** Attempts per change when other writers keep winning the conditional write. */
const MAX_ATTEMPTS = 12

export class Ledger {
  private constructor(
    private readonly store: LedgerStore,
    private data: LedgerFile,
    private version: string | undefined,
    private readonly now: () => Date,
  ) {}

  /** Opens a local ledger file; a missing file is an empty ledger. */
  static async open(file: string, project: string, now: () => Date = () => new Date()): Promise<Ledger> {
    return Ledger.fromStore(new FileStore(path.resolve(file)), project, now)
  }

  static async fromStore(store: LedgerStore, project: string, now: () => Date = () => new Date()): Promise<Ledger> {
    const {text, version} = await store.load()
    return new Ledger(store, parseLedger(text, store, project), version, now)
  }

  /** The ledger's location: a file path, or the s3:// URI of the shared ledger. */
  get file(): string {
    return this.store.location
  }

  get shared(): boolean {
    return this.store.shared
  }

  get entries(): readonly LedgerEntry[] {
    return this.data.entries
  }

  find(resource: LedgerResource): LedgerEntry | undefined {
    const key = resourceKey(resource)
    return this.data.entries.find(e => resourceKey(e) === key)
  }

  /** Records that the resource is about to be created (no-op when it is already listed). */
  async intend(resource: LedgerResource): Promise<void> {
    const key = resourceKey(resource)
    await this.update(entries => {
      if (entries.some(e => resourceKey(e) === key)) return false
      entries.push({...resource, state: 'pending', createdAt: this.now().toISOString()})
      return true
    })
  }

  /** Confirms the resource exists, adding it when it was not listed; merges new detail (e.g. a digest). */
  async confirm(resource: LedgerResource): Promise<void> {
    const key = resourceKey(resource)
    await this.update(entries => {
      const existing = entries.find(e => resourceKey(e) === key)
      if (existing) Object.assign(existing, resource, {state: 'created'})
      else entries.push({...resource, state: 'created', createdAt: this.now().toISOString()})
      return true
    })
  }

  /** Forgets a resource once it is verified gone. */
  async remove(resource: LedgerResource): Promise<void> {
    const key = resourceKey(resource)
    await this.update(entries => {
      const at = entries.findIndex(e => resourceKey(e) === key)
      if (at < 0) return false
      entries.splice(at, 1)
      return true
    })
  }

  /** Adds the entries this ledger does not list yet (a local ledger's, when it becomes shared). */
  async adopt(entries: readonly LedgerEntry[]): Promise<void> {
    await this.update(current => {
      const known = new Set(current.map(resourceKey))
      const missing = entries.filter(e => !known.has(resourceKey(e)))
      current.push(...missing)
      return missing.length > 0
    })
  }

  /** A copy of the stored document. */
  snapshot(): LedgerFile {
    return structuredClone(this.data)
  }

  /** Releases the shared store's client (a no-op for a local file). */
  close(): void {
    this.store.close()
  }

  /** Applies `change` to the newest stored copy; on a conflicting write, re-reads and applies it again. */
  private async update(change: (entries: LedgerEntry[]) => boolean): Promise<void> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const next = structuredClone(this.data)
      if (!change(next.entries)) {
        this.data = next
        return
      }
      try {
        this.version = await this.store.save(JSON.stringify(next, null, 2) + '\n', this.version)
        this.data = next
        return
      } catch (error) {
        if (!(error instanceof WriteConflict)) throw error
        await new Promise(resolve => setTimeout(resolve, Math.random() * 50 * attempt))
        const {text, version} = await this.store.load()
        this.data = parseLedger(text, this.store, this.data.project)
        this.version = version
      }
    }
    throw new ExternalError(`ledger ${this.store.location}: other writers kept changing it; gave up after ${MAX_ATTEMPTS} attempts (nothing was lost: run the command again)`)
  }
}

/** Parses and checks a stored ledger; `keepCacheMark` keeps the `cacheOf` marker (dropped otherwise, so a
 * fallback copy that gets written becomes an ordinary local ledger). */
function parseLedger(text: string | undefined, store: Pick<LedgerStore, 'location' | 'shared'>, project: string, keepCacheMark = false): LedgerFile {
  const where = store.location
  if (text === undefined) return {format: 'sentiops-ledger', version: 1, project, entries: []}
  let data: LedgerFile
  try {
    data = JSON.parse(text) as LedgerFile
  } catch (error) {
    throw new UserError(`${where}: the ledger is not valid JSON (${(error as Error).message}); restore it from version control or a backup before teardown`)
  }
  if (data?.format !== 'sentiops-ledger' || data.version !== 1 || !Array.isArray(data.entries)) {
    throw new UserError(`${where}: not a sentiops ledger (format ${JSON.stringify(data?.format)}, version ${JSON.stringify(data?.version)})`)
  }
  if (store.shared && data.project !== project) {
    throw new UserError(`${where} is the ledger of project ${JSON.stringify(data.project)}, not ${JSON.stringify(project)}`, {
      suggestions: [`give each project its own key, e.g. ${LEDGER_URI_ENV}=s3://BUCKET/${project}/ledger.json`],
    })
  }
  if (!keepCacheMark) delete data.cacheOf
  return data
}
