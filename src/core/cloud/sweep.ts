import {ExternalError} from '../errors.js'
import {formatCommand} from '../exec.js'
import type {CloudConfig} from './config.js'
import {deleteClusterCommand} from './cluster.js'
import {AwsInventory, DELETE_CALL, FOUND_LABEL, tagMatches, type Found, type FoundKind, type TagQuery} from './inventory.js'
import type {LedgerEntry} from './ledger.js'
import {step, type PlanStep} from './plan.js'

/**
 * The sweep finds what this project left in its region whether or not a ledger recorded it: everything tagged
 * by sentiops, by eksctl for the cluster, or by Kubernetes for the cluster and the app's Service, plus the
 * eksctl CloudFormation stacks by name. Teardown reports what it finds, or deletes it with --all-tagged.
 */

/** The tags that mark a resource as belonging to this project's cloud setup. */
export function sweepTags(cloud: Pick<CloudConfig, 'project' | 'cluster' | 'deploy'>): TagQuery[] {
  const cluster = cloud.cluster.name
  return [
    {key: 'sentiops.io/project', values: [cloud.project]},
    {key: 'alpha.eksctl.io/cluster-name', values: [cluster]},
    {key: 'eksctl.cluster.k8s.io/v1alpha1/cluster-name', values: [cluster]},
    // `shared` marks things the cluster only uses (subnets of an existing VPC): never ours to delete.
    {key: `kubernetes.io/cluster/${cluster}`, values: ['owned']},
    // The legacy in-tree cloud provider's key (volumes, security groups).
    {key: 'KubernetesCluster', values: [cluster]},
    {key: 'elbv2.k8s.aws/cluster', values: [cluster]},
    {key: 'kubernetes.io/service-name', values: [`${cloud.deploy.namespace}/${cloud.deploy.name}`]},
  ]
}

export interface DiscoverOptions {
  /** Buckets kept on purpose (the artifact bucket, the shared ledger's bucket): never reported. */
  keepBuckets: string[]
}

/** Every resource the tags or eksctl's stack names point at, once each, in a stable order. */
export async function discover(inventory: AwsInventory, cloud: CloudConfig, options: DiscoverOptions): Promise<Found[]> {
  const queries = sweepTags(cloud)
  const batches = await Promise.all([
    ...queries.map(q => inventory.byTag(q)),
    inventory.stacksNamed(`eksctl-${cloud.cluster.name}-`),
    inventory.loadBalancers(queries),
    inventory.ec2Tagged(queries),
    inventory.repositories(queries),
    inventory.clusters(queries, cloud.cluster.name),
  ])
  const merged = new Map<string, Found>()
  for (const f of batches.flat()) {
    const key = `${f.kind}/${f.cluster ?? ''}/${f.id}`
    const seen = merged.get(key)
    if (!seen) merged.set(key, {...f, tags: {...f.tags}, via: [...f.via]})
    else {
      Object.assign(seen.tags, f.tags)
      seen.arn ??= f.arn
      for (const v of f.via) if (!seen.via.includes(v)) seen.via.push(v)
    }
  }
  const otherCluster = (f: Found) => Object.keys(f.tags).some(k => k.startsWith('kubernetes.io/cluster/') && k !== `kubernetes.io/cluster/${cloud.cluster.name}`)
  const ours = queries.filter(q => q.key !== 'kubernetes.io/service-name')
  // The tagging API is eventually consistent and lists deleted resources for a while: for kinds listed through
  // their own service too, that service's answer decides; a stack found only by tag is checked once more.
  const keep = async (f: Found) => {
    if (f.via.some(v => !v.startsWith('tag '))) return true
    if (LISTED_BY_SERVICE.has(f.kind)) return false
    return f.kind === 'cloudformation-stack' ? inventory.exists(f) : true
  }
  const live = await Promise.all([...merged.values()].map(keep))
  return [...merged.values()]
    .filter((_, i) => live[i])
    .filter(f => !(f.kind === 's3-bucket' && options.keepBuckets.includes(f.id)))
    // Found only by the Service's name but tagged for another cluster: a same-named app there, not ours.
    .filter(f => !(otherCluster(f) && !ours.some(q => tagMatches(f.tags, q))))
    .sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.id.localeCompare(b.id))
}

const LISTED_BY_SERVICE = new Set<FoundKind>(['elbv2-load-balancer', 'elbv2-target-group', 'eks-cluster', 'eks-nodegroup', 'ec2-volume', 'ec2-nat-gateway', 'ec2-elastic-ip', 'ecr-repository'])

const KIND_ORDER: FoundKind[] = ['elbv2-load-balancer', 'elbv2-target-group', 'eks-cluster', 'eks-nodegroup', 'cloudformation-stack', 'ec2-nat-gateway', 'ec2-elastic-ip', 'ec2-volume', 'ecr-repository', 's3-bucket', 'other']

/** One line: what it is and how it was found. */
export function describeFound(f: Found): string {
  const name = f.kind === 'eks-nodegroup' ? `${f.cluster}/${f.id}` : f.id
  return `${FOUND_LABEL[f.kind]} ${name} (${f.via.join(', ')})`
}

/** The ledger already deletes these (its own steps come first); the sweep leaves them to it. */
export function coveredByLedger(f: Found, entries: readonly LedgerEntry[], region: string): boolean {
  return entries.some(e =>
    (f.kind === 'ecr-repository' && e.type === 'ecr-repository' && e.name === f.id && e.region === region) ||
    ((f.kind === 'eks-cluster' || f.kind === 'eks-nodegroup') && e.type === 'eks-cluster' && e.name === (f.cluster ?? f.id) && e.region === region))
}

export interface SweepAction {
  step: PlanStep
  found: Found
  /** Deletes (or waits); resolves false when the resource was already gone. */
  run: () => Promise<boolean>
}

export interface SweepPorts {
  inventory: () => AwsInventory
  /** eksctl delete cluster when EKS still has it; true when something was deleted. */
  deleteCluster: (name: string) => Promise<boolean>
  wait: {timeoutMs: number; pollMs?: number}
}

export interface SweepPlan {
  actions: SweepAction[]
  /** Found resources that go with another one (a stack's resources, a cluster's nodegroups). */
  withOwner: Array<{found: Found; owner: string}>
  /** Found resources sentiops does not delete (report only; delete them by hand). */
  manual: Found[]
}

/**
 * Orders deletions so nothing is deleted while something still depends on it: load balancers (they hold
 * ENIs in the VPC's subnets) and then their target groups, EKS clusters through eksctl (nodegroups with
 * them), the remaining CloudFormation stacks (nodegroup/addon stacks before eksctl-*-cluster, which owns the
 * VPC), NAT gateways (waited for, they hold their Elastic IP), Elastic IPs, EBS volumes, ECR repositories.
 * Resources a found stack owns (tag aws:cloudformation:stack-name) go with the stack.
 */
export function planSweep(found: Found[], region: string, ports: SweepPorts): SweepPlan {
  const stacks = found.filter(f => f.kind === 'cloudformation-stack')
  const clusters = found.filter(f => f.kind === 'eks-cluster')
  const plan: SweepPlan = {actions: [], withOwner: [], manual: []}
  const of = (kind: FoundKind) => found.filter(f => f.kind === kind)
  const owner = (f: Found): string | undefined => {
    const stack = f.tags['aws:cloudformation:stack-name']
    if (f.kind !== 'cloudformation-stack' && stack && stacks.some(s => s.id === stack)) return `CloudFormation stack ${stack}`
    if (f.kind === 'eks-nodegroup' && clusters.some(c => c.id === f.cluster)) return `EKS cluster ${f.cluster}`
    // EKS tags what it makes for a cluster (its security group, network interfaces, nodes) and deletes it with it.
    const cluster = f.tags['aws:eks:cluster-name'] ?? f.tags['eks:cluster-name']
    if (f.kind !== 'eks-cluster' && cluster && clusters.some(c => c.id === cluster)) return `EKS cluster ${cluster}`
    return undefined
  }
  const own = (kind: FoundKind) => of(kind).filter(f => {
    const o = owner(f)
    if (o) plan.withOwner.push({found: f, owner: o})
    return !o
  })
  const del = (f: Found) => ({step: step('aws', DELETE_CALL[f.kind]!, f.id), found: f, run: () => ports.inventory().delete(f)})
  const waitGone = (f: Found, what: string) => ({
    step: step('wait', `until deleted (${what})`, f.id),
    found: f,
    run: async () => {
      await waitUntil(() => ports.inventory().exists(f).then(present => !present), ports.wait, `${FOUND_LABEL[f.kind]} ${f.id} was still present after ${Math.round(ports.wait.timeoutMs / 1000)} s`)
      return true
    },
  })

  for (const lb of own('elbv2-load-balancer')) plan.actions.push(del(lb), waitGone(lb, 'its network interfaces released'))
  for (const tg of own('elbv2-target-group')) plan.actions.push(del(tg))
  for (const c of own('eks-cluster')) {
    const command = deleteClusterCommand(c.id, region)
    plan.actions.push({step: step('command', 'eksctl delete cluster', `EKS cluster ${c.id} (${region})`, {command: formatCommand(command.file, command.args)}), found: c, run: () => ports.deleteCluster(c.id)})
  }
  plan.manual.push(...own('eks-nodegroup'))
  // eksctl names the stack that owns the VPC eksctl-CLUSTER-cluster; every other stack of the cluster goes first.
  const stackOrder = own('cloudformation-stack').sort((a, b) => Number(a.id.endsWith('-cluster')) - Number(b.id.endsWith('-cluster')))
  for (const s of stackOrder) plan.actions.push(del(s), waitGone(s, 'DELETE_COMPLETE'))
  for (const nat of own('ec2-nat-gateway')) plan.actions.push(del(nat), waitGone(nat, 'its Elastic IP released'))
  for (const kind of ['ec2-elastic-ip', 'ec2-volume', 'ecr-repository'] as const) for (const f of own(kind)) plan.actions.push(del(f))
  plan.manual.push(...own('s3-bucket'), ...own('other'))
  return plan
}

async function waitUntil(done: () => Promise<boolean>, wait: {timeoutMs: number; pollMs?: number}, timeoutMessage: string): Promise<void> {
  const deadline = Date.now() + wait.timeoutMs
  for (;;) {
    if (await done()) return
    if (Date.now() >= deadline) throw new ExternalError(timeoutMessage)
    await new Promise(resolve => setTimeout(resolve, wait.pollMs ?? 5000))
  }
}
