import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {UserError} from '../errors.js'
import {writeJsonAtomic} from '../fs/atomic.js'

/**
 * The ledger (`.sentiops/state.json` by default) lists every cloud object sentiops created, so teardown
 * deletes exactly those and nothing else. An entry is written *before* the call that creates the object
 * (state `pending`) and confirmed after it (`created`): a crash or a failed call in between still leaves
 * teardown a record of what may exist.
 */

export type LedgerResource =
  | {type: 'ecr-repository'; region: string; name: string}
  | {type: 'ecr-image'; region: string; repository: string; tag: string; digest?: string; imageId?: string}
  | {type: 'eks-cluster'; region: string; name: string; kubeconfig?: string}
  | {type: 'kubernetes'; context: string; apiVersion: string; kind: string; namespace?: string; name: string; loadBalancer?: boolean}
  | {type: 's3-prefix'; region: string; bucket: string; prefix: string}

export type LedgerEntry = LedgerResource & {state: 'pending' | 'created'; createdAt: string}

interface LedgerFile {
  format: 'sentiops-ledger'
  version: 1
  project: string
  entries: LedgerEntry[]
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

export class Ledger {
  private constructor(
    readonly file: string,
    private data: LedgerFile,
    private readonly now: () => Date,
  ) {}

  /** Opens the ledger; a missing file is an empty ledger. */
  static async open(file: string, project: string, now: () => Date = () => new Date()): Promise<Ledger> {
    let data: LedgerFile = {format: 'sentiops-ledger', version: 1, project, entries: []}
    let text: string | undefined
    try {
      text = await readFile(file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
    if (text !== undefined) {
      try {
        data = JSON.parse(text) as LedgerFile
      } catch (error) {
        throw new UserError(`${file}: the ledger is not valid JSON (${(error as Error).message}); restore it from version control or a backup before teardown`)
      }
      if (data.format !== 'sentiops-ledger' || data.version !== 1 || !Array.isArray(data.entries)) {
        throw new UserError(`${file}: not a sentiops ledger (format ${JSON.stringify(data.format)}, version ${JSON.stringify(data.version)})`)
      }
    }
    return new Ledger(path.resolve(file), data, now)
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
    if (this.find(resource)) return
    this.data.entries.push({...resource, state: 'pending', createdAt: this.now().toISOString()})
    await this.save()
  }

  /** Confirms the resource exists, adding it when it was not listed; merges new detail (e.g. a digest). */
  async confirm(resource: LedgerResource): Promise<void> {
    const existing = this.find(resource)
    if (existing) Object.assign(existing, resource, {state: 'created'})
    else this.data.entries.push({...resource, state: 'created', createdAt: this.now().toISOString()})
    await this.save()
  }

  /** Forgets a resource once it is verified gone. */
  async remove(resource: LedgerResource): Promise<void> {
    const key = resourceKey(resource)
    const before = this.data.entries.length
    this.data.entries = this.data.entries.filter(e => resourceKey(e) !== key)
    if (this.data.entries.length !== before) await this.save()
  }

  private async save(): Promise<void> {
    await writeJsonAtomic(this.file, this.data)
  }
}
