import path from 'node:path'
import {isSentiopsError} from '../errors.js'
import {formatCommand, runCommand, type CommandRunner} from '../exec.js'
import {silentReporter, type Reporter} from '../reporter.js'
import {awsTarget} from './aws.js'
import {deleteClusterCommand, deleteClusterIfPresent} from './cluster.js'
import type {CloudConfig} from './config.js'
import {Ecr} from './ecr.js'
import {Eks} from './eks.js'
import {Kube} from './kube.js'
import {AwsInventory, type Found} from './inventory.js'
import {describeResource, ledgerLocation, openLedger, type LedgerEntry, type LedgerResource} from './ledger.js'
import {step, StepLog, type PlanStep} from './plan.js'
import {S3Artifacts} from './s3.js'
import {coveredByLedger, describeFound, discover, planSweep} from './sweep.js'

type Entry<T extends LedgerResource['type']> = Extract<LedgerEntry, {type: T}>
type KubeEntry = Entry<'kubernetes'>

export interface TeardownAdapters {
  ecr?: Ecr
  eks?: Eks
  s3?: S3Artifacts
  kube?: (context: string) => Promise<Kube>
  inventory?: AwsInventory
}

export interface TeardownOptions {
  cwd: string
  cloud: CloudConfig
  dryRun?: boolean
  /** Also delete what the sweep finds outside the ledger (tagged for this project or cluster). */
  allTagged?: boolean
  /** Discover by tags before and after (default true); false checks only the ledger's own entries. */
  sweep?: boolean
  run?: CommandRunner
  reporter?: Reporter
  adapters?: TeardownAdapters
  /** Per wait (a LoadBalancer Service or a namespace to disappear). */
  waitTimeoutMs?: number
  pollMs?: number
}

export interface TeardownResult {
  dryRun: boolean
  /** The ledger's location: the shared s3:// object, or the local state file. */
  ledger: string
  ledgerShared: boolean
  /** Dry run: every step, in order. Real run: the steps carried out, in the order they ran. */
  plan: PlanStep[]
  /** Found by the sweep before anything was deleted, outside the ledger, one line each. */
  discovered: string[]
  /** Of those, what this run does not delete: all of them without --all-tagged, else the kinds sentiops cannot delete. */
  kept: string[]
  /** What was deleted by this run. */
  deleted: string[]
  /** Listed in the ledger but already gone. */
  alreadyGone: string[]
  /** Still present after the run: the ledger's entries checked again plus a final sweep; empty means nothing is left. */
  remaining: string[]
  /** Steps that failed, one line each. */
  failures: string[]
}

interface Action {
  step: PlanStep
  /** Resources this action removes from the ledger once verified gone. */
  resources: LedgerEntry[]
  /** Deletes; resolves true when something was deleted, false when it was already gone. */
  run: () => Promise<boolean>
}

const WAIT_MS = 10 * 60_000

/**
 * Deletes everything the ledger lists, in a safe order: LoadBalancer Services first (waiting until the cloud
 * load balancer is released), the other Kubernetes objects, the namespace, the EKS cluster (eksctl), ECR
 * images and repositories, and the S3 objects under the project prefix. Every delete treats "not found" as
 * done, so a second run is a no-op. Before planning, a sweep (sweep.ts) discovers by tags what the ledger does
 * not list; --all-tagged appends its deletions after the ledger's. It ends by checking each ledger resource
 * again and sweeping once more, and reports what is left.
 */
export async function teardown(options: TeardownOptions): Promise<TeardownResult> {
  const {cloud, cwd} = options
  const run = options.run ?? runCommand
  const reporter = options.reporter ?? silentReporter
  const adapters = options.adapters ?? {}
  const sweeping = options.sweep ?? true
  const target = awsTarget(cloud)
  // Clients are made on first use (a ledger without clusters never builds an EKS client) and closed at the end.
  const made: Array<{destroy(): void}> = []
  const lazy = <T extends {destroy(): void}>(injected: T | undefined, make: () => T) => {
    let value = injected
    return () => {
      if (!value) made.push((value = make()))
      return value
    }
  }
  const ecr = lazy(adapters.ecr, () => new Ecr(target))
  const eks = lazy(adapters.eks, () => new Eks(target))
  const s3 = lazy(adapters.s3, () => new S3Artifacts(target))
  const inventory = lazy(adapters.inventory, () => new AwsInventory(target))
  const kubes = new Map<string, Promise<Kube>>()
  const kube = (context: string) => {
    if (!kubes.has(context)) {
      kubes.set(context, adapters.kube ? adapters.kube(context) : Kube.connect({kubeconfig: cloud.cluster.kubeconfig ? path.resolve(cwd, cloud.cluster.kubeconfig) : '', context}))
    }
    return kubes.get(context)!
  }
  const wait = {timeoutMs: options.waitTimeoutMs ?? WAIT_MS, pollMs: options.pollMs, onProgress: (m: string) => reporter.debug(m)}
  const location = ledgerLocation(cwd, cloud)
  const keepBuckets = [cloud.artifacts.bucket, ...(location.kind === 's3' ? [location.bucket] : [])].filter(Boolean)
  const sweep = async (): Promise<Found[]> => {
    if (!sweeping) return []
    await inventory().checkCredentials()
    return discover(inventory(), cloud, {keepBuckets})
  }

  const ledger = await openLedger(cwd, cloud, {s3: adapters.s3})
  try {
    const entries = [...ledger.entries]
    const actions = planActions(entries, cloud, {ecr, eks, s3, kube, run, reporter, wait})
    const outside = (await sweep()).filter(f => !coveredByLedger(f, entries, cloud.region))
    const swept = planSweep(outside, cloud.region, {
      inventory,
      wait,
      deleteCluster: async name => {
        await eks().checkCredentials()
        return deleteClusterIfPresent(eks(), name, cloud.region, run, reporter)
      },
    })
    const sweepActions = options.allTagged ? swept.actions : []
    const kept = options.allTagged ? swept.manual : outside
    const result: TeardownResult = {
      dryRun: Boolean(options.dryRun),
      ledger: ledger.file,
      ledgerShared: ledger.shared,
      plan: [...actions, ...sweepActions].map(a => a.step),
      discovered: outside.map(describeFound),
      kept: kept.map(describeFound),
      deleted: [],
      alreadyGone: [],
      remaining: [],
      failures: [],
    }
    if (options.dryRun) return result

    const log = new StepLog()
    let kubernetesFailed = false
    const carryOut = async (s: PlanStep, resources: LedgerEntry[], action: () => Promise<boolean>) => {
      const what = s.target
      if (kubernetesFailed && (s.action === 'eksctl delete cluster' || s.kind === 'aws' && s.action.startsWith('CloudFormation'))) {
        result.failures.push(`${what}: not deleted, because Kubernetes objects (LoadBalancers) could not be removed first`)
        return
      }
      try {
        reporter.info(`${s.action} ${what}`)
        log.add(s)
        const changed = await action()
        ;(changed ? result.deleted : result.alreadyGone).push(what)
        for (const resource of resources) await ledger.remove(resource)
      } catch (error) {
        if (!isSentiopsError(error)) throw error
        result.failures.push(`${what}: ${error.message}`)
        if (s.kind === 'kubernetes' || s.kind === 'wait') kubernetesFailed = true
      }
    }
    for (const action of actions) await carryOut(action.step, action.resources, action.run)
    for (const action of sweepActions) await carryOut(action.step, [], action.run)
    result.plan = log.steps
    const still = await leftovers(entries, cloud, {ecr, eks, s3, kube})
    const found = await sweep()
    // Ledger entries still present are listed once, from the ledger's own check.
    result.remaining = [...still, ...found.filter(f => !coveredByLedger(f, ledger.entries, cloud.region)).map(describeFound)]
    return result
  } finally {
    ledger.close()
    for (const client of made) client.destroy()
  }
}

interface Ports {
  ecr: () => Ecr
  eks: () => Eks
  s3: () => S3Artifacts
  kube: (context: string) => Promise<Kube>
}

function planActions(entries: LedgerEntry[], cloud: CloudConfig, ports: Ports & {run: CommandRunner; reporter: Reporter; wait: {timeoutMs: number; pollMs?: number}}): Action[] {
  const actions: Action[] = []
  const kubeEntries = entries.filter((e): e is KubeEntry => e.type === 'kubernetes')
  const ref = (e: KubeEntry) => ({apiVersion: e.apiVersion, kind: e.kind, metadata: {name: e.name, ...(e.namespace ? {namespace: e.namespace} : {})}})
  const loadBalancers = kubeEntries.filter(e => e.loadBalancer)
  const namespaces = kubeEntries.filter(e => e.kind === 'Namespace')
  const others = kubeEntries.filter(e => !e.loadBalancer && e.kind !== 'Namespace').reverse()

  for (const e of loadBalancers) {
    actions.push({step: step('kubernetes', 'delete', describeResource(e), {context: e.context, propagationPolicy: 'Foreground'}), resources: [], run: async () => (await ports.kube(e.context)).delete(ref(e))})
    actions.push({
      step: step('wait', 'until deleted (cloud load balancer released)', describeResource(e)),
      resources: [e],
      run: async () => {
        await (await ports.kube(e.context)).waitGone(ref(e), ports.wait)
        return true
      },
    })
  }
  for (const e of others) {
    actions.push({step: step('kubernetes', 'delete', describeResource(e), {context: e.context, propagationPolicy: 'Foreground'}), resources: [e], run: async () => (await ports.kube(e.context)).delete(ref(e))})
  }
  for (const e of namespaces) {
    actions.push({step: step('kubernetes', 'delete', describeResource(e), {context: e.context, propagationPolicy: 'Foreground'}), resources: [], run: async () => (await ports.kube(e.context)).delete(ref(e))})
    actions.push({
      step: step('wait', 'until deleted', describeResource(e)),
      resources: [e],
      run: async () => {
        await (await ports.kube(e.context)).waitGone(ref(e), ports.wait)
        return true
      },
    })
  }
  for (const e of entries.filter((x): x is Entry<'eks-cluster'> => x.type === 'eks-cluster')) {
    const del = deleteClusterCommand(e.name, e.region)
    actions.push({
      step: step('command', 'eksctl delete cluster', describeResource(e), {command: formatCommand(del.file, del.args)}),
      resources: [e],
      run: async () => {
        await ports.eks().checkCredentials()
        return deleteClusterIfPresent(ports.eks(), e.name, e.region, ports.run, ports.reporter)
      },
    })
  }
  const repositories = entries.filter((x): x is Entry<'ecr-repository'> => x.type === 'ecr-repository')
  const images = entries.filter((x): x is Entry<'ecr-image'> => x.type === 'ecr-image')
  const ownRepo = (image: Entry<'ecr-image'>) => repositories.some(r => r.name === image.repository && r.region === image.region)
  // Images in a repository sentiops did not create: delete just those tags.
  const foreign = new Map<string, Entry<'ecr-image'>[]>()
  for (const image of images.filter(i => !ownRepo(i))) foreign.set(image.repository, [...(foreign.get(image.repository) ?? []), image])
  for (const [repository, tagged] of foreign) {
    actions.push({
      step: step('aws', 'ECR BatchDeleteImage', `${repository}:${tagged.map(t => t.tag).join(',')}`),
      resources: tagged,
      run: async () => {
        await ports.ecr().checkCredentials()
        const present = await Promise.all(tagged.map(t => ports.ecr().findImage(repository, t.tag)))
        if (present.every(d => d === undefined)) return false
        await ports.ecr().deleteImages(repository, tagged.map(t => ({imageTag: t.tag})))
        return true
      },
    })
  }
  for (const repo of repositories) {
    actions.push({
      step: step('aws', 'ECR DeleteRepository (force, with its images)', repo.name, {region: repo.region}),
      resources: [repo, ...images.filter(i => i.repository === repo.name && i.region === repo.region)],
      run: async () => {
        await ports.ecr().checkCredentials()
        return ports.ecr().deleteRepository(repo.name)
      },
    })
  }
  for (const {bucket, prefix} of s3Prefixes(entries, cloud)) {
    actions.push({
      step: step('aws', 'S3 DeleteObjects', `s3://${bucket}/${prefix}`),
      resources: entries.filter(e => e.type === 's3-prefix' && e.bucket === bucket && e.prefix === prefix),
      run: async () => {
        await ports.s3().checkCredentials()
        return (await ports.s3().deletePrefix(bucket, prefix)) > 0
      },
    })
  }
  return actions
}

/** The configured artifact prefix plus any the ledger lists, without duplicates. */
function s3Prefixes(entries: LedgerEntry[], cloud: CloudConfig): Array<{bucket: string; prefix: string}> {
  const out = new Map<string, {bucket: string; prefix: string}>()
  if (cloud.artifacts.bucket) out.set(`${cloud.artifacts.bucket}/${cloud.artifacts.prefix}`, {bucket: cloud.artifacts.bucket, prefix: cloud.artifacts.prefix})
  for (const e of entries) if (e.type === 's3-prefix') out.set(`${e.bucket}/${e.prefix}`, {bucket: e.bucket, prefix: e.prefix})
  return [...out.values()]
}

/** Checks every resource again; returns what still exists, one line each. */
async function leftovers(entries: LedgerEntry[], cloud: CloudConfig, ports: Ports): Promise<string[]> {
  const remaining: string[] = []
  const check = async (what: string, present: () => Promise<boolean>) => {
    try {
      if (await present()) remaining.push(what)
    } catch (error) {
      remaining.push(`${what} (could not check: ${(error as Error).message.split('\n')[0]})`)
    }
  }
  const clusters = entries.filter(e => e.type === 'eks-cluster')
  const clusterGone = new Set<string>()
  for (const e of clusters) {
    await check(describeResource(e), async () => {
      const info = await ports.eks().describeCluster(e.name)
      if (!info) clusterGone.add(e.name)
      return info !== undefined
    })
  }
  for (const e of entries) {
    switch (e.type) {
      case 'kubernetes':
        // Objects of a deleted cluster went with it.
        if (clusters.length > 0 && clusterGone.size === clusters.length) break
        await check(describeResource(e), async () => (await (await ports.kube(e.context)).get({apiVersion: e.apiVersion, kind: e.kind, metadata: {name: e.name, namespace: e.namespace}})) !== undefined)
        break
      case 'ecr-repository':
        await check(describeResource(e), async () => (await ports.ecr().describeRepository(e.name)) !== undefined)
        break
      case 'ecr-image':
        await check(describeResource(e), async () => (await ports.ecr().findImage(e.repository, e.tag)) !== undefined)
        break
      default:
        break
    }
  }
  for (const {bucket, prefix} of s3Prefixes(entries, cloud)) {
    await check(`S3 objects under s3://${bucket}/${prefix}`, async () => (await ports.s3().list(bucket, prefix)).length > 0)
  }
  return remaining
}
