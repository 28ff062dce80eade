import {CloudFormationClient, DeleteStackCommand, DescribeStacksCommand, ListStacksCommand, type StackStatus} from '@aws-sdk/client-cloudformation'
import {DeleteNatGatewayCommand, DeleteVolumeCommand, DescribeAddressesCommand, DescribeNatGatewaysCommand, DescribeVolumesCommand, EC2Client, ReleaseAddressCommand, type Tag as Ec2Tag} from '@aws-sdk/client-ec2'
import {DeleteRepositoryCommand, DescribeRepositoriesCommand, ECRClient, ListTagsForResourceCommand as EcrListTags} from '@aws-sdk/client-ecr'
import {DescribeClusterCommand, EKSClient, ListClustersCommand, ListNodegroupsCommand} from '@aws-sdk/client-eks'
import {DeleteLoadBalancerCommand, DeleteTargetGroupCommand, DescribeLoadBalancersCommand, DescribeTagsCommand, DescribeTargetGroupsCommand, ElasticLoadBalancingV2Client} from '@aws-sdk/client-elastic-load-balancing-v2'
import {GetResourcesCommand, ResourceGroupsTaggingAPIClient} from '@aws-sdk/client-resource-groups-tagging-api'
import {BugError} from '../errors.js'
import {awsError, clientOptions, isAwsNotFound, requireCredentials, type AwsTarget} from './aws.js'

/**
 * The AWS side of the sweep: finds resources by tag through the Resource Groups Tagging API and through each
 * service's own list calls (the tagging API misses resources whose service does not report to it, and
 * emulators cover fewer services), and deletes one resource of each kind the sweep knows how to remove.
 */

export type FoundKind =
  | 'elbv2-load-balancer'
  | 'elbv2-target-group'
  | 'cloudformation-stack'
  | 'eks-cluster'
  | 'eks-nodegroup'
  | 'ecr-repository'
  | 'ec2-volume'
  | 'ec2-nat-gateway'
  | 'ec2-elastic-ip'
  | 's3-bucket'
  | 'other'

export interface Found {
  kind: FoundKind
  /** What the delete call takes: a name, an ID or an ARN (load balancers, target groups). */
  id: string
  arn?: string
  tags: Record<string, string>
  /** How it was found: `tag K=V` (tagging API), or the service call that listed it. */
  via: string[]
  /** For a nodegroup: its cluster. */
  cluster?: string
}

/** One tag the sweep looks for: the key and the values that mark a resource as this project's. */
export interface TagQuery {
  key: string
  values: string[]
}

export function tagMatches(tags: Record<string, string>, query: TagQuery): boolean {
  return query.key in tags && query.values.includes(tags[query.key]!)
}

export const FOUND_LABEL: Record<FoundKind, string> = {
  'elbv2-load-balancer': 'ELBv2 load balancer',
  'elbv2-target-group': 'ELBv2 target group',
  'cloudformation-stack': 'CloudFormation stack',
  'eks-cluster': 'EKS cluster',
  'eks-nodegroup': 'EKS nodegroup',
  'ecr-repository': 'ECR repository',
  'ec2-volume': 'EBS volume',
  'ec2-nat-gateway': 'NAT gateway',
  'ec2-elastic-ip': 'Elastic IP',
  's3-bucket': 'S3 bucket',
  other: 'resource',
}

/** Kind and delete-ID of a resource from its ARN (as the tagging API returns it). */
export function parseArn(arn: string): {kind: FoundKind; id: string; cluster?: string} {
  const [, , service = '', , , ...rest] = arn.split(':')
  const resource = rest.join(':')
  const [type = '', ...path] = resource.split('/')
  switch (`${service}:${type}`) {
    case 'elasticloadbalancing:loadbalancer':
      // Classic load balancers are `loadbalancer/NAME`; v2 ones `loadbalancer/net|app|gwy/NAME/ID`.
      return path.length === 3 ? {kind: 'elbv2-load-balancer', id: arn} : {kind: 'other', id: arn}
    case 'elasticloadbalancing:targetgroup':
      return {kind: 'elbv2-target-group', id: arn}
    case 'cloudformation:stack':
      return {kind: 'cloudformation-stack', id: path[0] ?? arn}
    case 'eks:cluster':
      return {kind: 'eks-cluster', id: path[0] ?? arn}
    case 'eks:nodegroup':
      return {kind: 'eks-nodegroup', id: path[1] ?? arn, cluster: path[0]}
    case 'ecr:repository':
      return {kind: 'ecr-repository', id: path.join('/')}
    case 'ec2:volume':
      return {kind: 'ec2-volume', id: path[0] ?? arn}
    case 'ec2:natgateway':
      return {kind: 'ec2-nat-gateway', id: path[0] ?? arn}
    case 'ec2:elastic-ip':
      return {kind: 'ec2-elastic-ip', id: path[0] ?? arn}
    default:
      if (service === 's3' && !resource.includes('/')) return {kind: 's3-bucket', id: resource}
      return {kind: 'other', id: arn}
  }
}

const LIVE_STACK_STATUSES: StackStatus[] = [
  'CREATE_IN_PROGRESS', 'CREATE_FAILED', 'CREATE_COMPLETE', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_FAILED', 'ROLLBACK_COMPLETE',
  'DELETE_IN_PROGRESS', 'DELETE_FAILED', 'UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_COMPLETE',
  'UPDATE_FAILED', 'UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_FAILED', 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
  'UPDATE_ROLLBACK_COMPLETE', 'REVIEW_IN_PROGRESS', 'IMPORT_IN_PROGRESS', 'IMPORT_COMPLETE', 'IMPORT_ROLLBACK_IN_PROGRESS',
  'IMPORT_ROLLBACK_FAILED', 'IMPORT_ROLLBACK_COMPLETE',
]

const tagMap = (tags: Array<{Key?: string; Value?: string}> | undefined): Record<string, string> =>
  Object.fromEntries((tags ?? []).filter(t => t.Key !== undefined).map(t => [t.Key!, t.Value ?? '']))

/** Calls the discovery and delete APIs of one region. Clients are made on first use. */
export class AwsInventory {
  private clients = new Map<unknown, {destroy(): void}>()

  constructor(readonly target: AwsTarget) {}

  private client<C extends {destroy(): void}>(Client: new (options: ReturnType<typeof clientOptions>) => C): C {
    if (!this.clients.has(Client)) this.clients.set(Client, new Client(clientOptions(this.target)))
    return this.clients.get(Client) as C
  }

  async checkCredentials(): Promise<void> {
    await requireCredentials(this.client(ResourceGroupsTaggingAPIClient))
  }

  /** Resource Groups Tagging API GetResources for one tag (filters on different keys would be AND-ed). */
  async byTag(query: TagQuery): Promise<Found[]> {
    const found: Found[] = []
    let token: string | undefined
    try {
      do {
        const out = await this.client(ResourceGroupsTaggingAPIClient).send(new GetResourcesCommand({TagFilters: [{Key: query.key, Values: query.values}], ResourcesPerPage: 100, PaginationToken: token}))
        for (const r of out.ResourceTagMappingList ?? []) {
          if (!r.ResourceARN) continue
          found.push({...parseArn(r.ResourceARN), arn: r.ResourceARN, tags: tagMap(r.Tags), via: [`tag ${query.key}=${query.values.join('|')}`]})
        }
        token = out.PaginationToken || undefined
      } while (token)
    } catch (error) {
      throw awsError('Tagging GetResources', `${query.key}=${query.values.join('|')}`, error)
    }
    return found.filter(f => tagMatches(f.tags, query))
  }

  /** CloudFormation stacks that are not deleted whose name starts with `prefix` (eksctl names them eksctl-CLUSTER-*). */
  async stacksNamed(prefix: string): Promise<Found[]> {
    const found: Found[] = []
    let token: string | undefined
    try {
      do {
        const out = await this.client(CloudFormationClient).send(new ListStacksCommand({StackStatusFilter: LIVE_STACK_STATUSES, NextToken: token}))
        for (const s of out.StackSummaries ?? []) {
          if (s.StackName?.startsWith(prefix)) found.push({kind: 'cloudformation-stack', id: s.StackName, arn: s.StackId, tags: {}, via: [`CloudFormation ListStacks ${prefix}*`]})
        }
        token = out.NextToken
      } while (token)
    } catch (error) {
      throw awsError('CloudFormation ListStacks', `${prefix}*`, error)
    }
    return found
  }

  /** ELBv2 load balancers and target groups with any of the tags (DescribeTags takes 20 ARNs per call). */
  async loadBalancers(queries: TagQuery[]): Promise<Found[]> {
    try {
      const lbs: string[] = []
      const tgs: string[] = []
      let marker: string | undefined
      do {
        const out = await this.client(ElasticLoadBalancingV2Client).send(new DescribeLoadBalancersCommand({Marker: marker}))
        lbs.push(...(out.LoadBalancers ?? []).map(l => l.LoadBalancerArn!).filter(Boolean))
        marker = out.NextMarker
      } while (marker)
      do {
        const out = await this.client(ElasticLoadBalancingV2Client).send(new DescribeTargetGroupsCommand({Marker: marker}))
        tgs.push(...(out.TargetGroups ?? []).map(t => t.TargetGroupArn!).filter(Boolean))
        marker = out.NextMarker
      } while (marker)
      const found: Found[] = []
      const all = [...lbs, ...tgs]
      for (let i = 0; i < all.length; i += 20) {
        const out = await this.client(ElasticLoadBalancingV2Client).send(new DescribeTagsCommand({ResourceArns: all.slice(i, i + 20)}))
        for (const d of out.TagDescriptions ?? []) {
          const tags = tagMap(d.Tags)
          const hit = queries.filter(q => tagMatches(tags, q))
          if (hit.length === 0 || !d.ResourceArn) continue
          found.push({kind: lbs.includes(d.ResourceArn) ? 'elbv2-load-balancer' : 'elbv2-target-group', id: d.ResourceArn, arn: d.ResourceArn, tags, via: ['ELBv2 DescribeTags']})
        }
      }
      return found
    } catch (error) {
      throw awsError('ELBv2 DescribeLoadBalancers', this.target.region, error)
    }
  }

  /**
   * EBS volumes, NAT gateways and Elastic IPs with any of the tags: one filtered call per tag (EC2 AND-s filters),
   * and the tags checked again here, because not every implementation honours every filter.
   */
  async ec2Tagged(queries: TagQuery[]): Promise<Found[]> {
    const found: Found[] = []
    const keep = (kind: FoundKind, id: string | undefined, tags: Ec2Tag[] | undefined, call: string) => {
      const map = tagMap(tags)
      if (id && queries.some(q => tagMatches(map, q))) found.push({kind, id, tags: map, via: [call]})
    }
    for (const q of queries) {
      const Filters = [{Name: `tag:${q.key}`, Values: q.values}]
      try {
        let token: string | undefined
        do {
          const out = await this.client(EC2Client).send(new DescribeVolumesCommand({Filters, NextToken: token}))
          for (const v of out.Volumes ?? []) if (v.State !== 'deleted' && v.State !== 'deleting') keep('ec2-volume', v.VolumeId, v.Tags, 'EC2 DescribeVolumes')
          token = out.NextToken
        } while (token)
        do {
          const out = await this.client(EC2Client).send(new DescribeNatGatewaysCommand({Filter: Filters, NextToken: token}))
          for (const n of out.NatGateways ?? []) if (n.State !== 'deleted' && n.State !== 'deleting') keep('ec2-nat-gateway', n.NatGatewayId, n.Tags, 'EC2 DescribeNatGateways')
          token = out.NextToken
        } while (token)
        const out = await this.client(EC2Client).send(new DescribeAddressesCommand({Filters}))
        for (const a of out.Addresses ?? []) keep('ec2-elastic-ip', a.AllocationId, a.Tags, 'EC2 DescribeAddresses')
      } catch (error) {
        throw awsError('EC2 Describe', `tag:${q.key}`, error)
      }
    }
    return found
  }

  /** ECR repositories with any of the tags. */
  async repositories(queries: TagQuery[]): Promise<Found[]> {
    const found: Found[] = []
    try {
      let token: string | undefined
      do {
        const out = await this.client(ECRClient).send(new DescribeRepositoriesCommand({nextToken: token}))
        for (const r of out.repositories ?? []) {
          const tags = tagMap((await this.client(ECRClient).send(new EcrListTags({resourceArn: r.repositoryArn}))).tags)
          if (queries.some(q => tagMatches(tags, q))) found.push({kind: 'ecr-repository', id: r.repositoryName!, arn: r.repositoryArn, tags, via: ['ECR DescribeRepositories']})
        }
        token = out.nextToken
      } while (token)
    } catch (error) {
      throw awsError('ECR DescribeRepositories', this.target.region, error)
    }
    return found
  }

  /** EKS clusters with any of the tags or named `name`, and their nodegroups. */
  async clusters(queries: TagQuery[], name: string): Promise<Found[]> {
    const found: Found[] = []
    try {
      let token: string | undefined
      do {
        const out = await this.client(EKSClient).send(new ListClustersCommand({nextToken: token}))
        for (const cluster of out.clusters ?? []) {
          const info = (await this.client(EKSClient).send(new DescribeClusterCommand({name: cluster}))).cluster
          const tags = info?.tags ?? {}
          const via = [...(cluster === name ? ['EKS ListClusters (cloud.cluster.name)'] : []), ...(queries.some(q => tagMatches(tags, q)) ? ['EKS DescribeCluster tags'] : [])]
          if (via.length === 0) continue
          found.push({kind: 'eks-cluster', id: cluster, arn: info?.arn, tags, via})
          const groups = await this.client(EKSClient).send(new ListNodegroupsCommand({clusterName: cluster}))
          for (const ng of groups.nodegroups ?? []) found.push({kind: 'eks-nodegroup', id: ng, cluster, tags: {}, via: ['EKS ListNodegroups']})
        }
        token = out.nextToken
      } while (token)
    } catch (error) {
      throw awsError('EKS ListClusters', this.target.region, error)
    }
    return found
  }

  /** The delete call of each kind sentiops deletes itself. */
  private readonly deletes: Partial<Record<FoundKind, (id: string) => Promise<unknown>>> = {
    'elbv2-load-balancer': id => this.client(ElasticLoadBalancingV2Client).send(new DeleteLoadBalancerCommand({LoadBalancerArn: id})),
    'elbv2-target-group': id => this.client(ElasticLoadBalancingV2Client).send(new DeleteTargetGroupCommand({TargetGroupArn: id})),
    'cloudformation-stack': id => this.client(CloudFormationClient).send(new DeleteStackCommand({StackName: id})),
    'ec2-nat-gateway': id => this.client(EC2Client).send(new DeleteNatGatewayCommand({NatGatewayId: id})),
    'ec2-elastic-ip': id => this.client(EC2Client).send(new ReleaseAddressCommand({AllocationId: id})),
    'ec2-volume': id => this.client(EC2Client).send(new DeleteVolumeCommand({VolumeId: id})),
    'ecr-repository': id => this.client(ECRClient).send(new DeleteRepositoryCommand({repositoryName: id, force: true})),
  }

  /** Deletes one resource; resolves false when it was already gone. */
  async delete(f: Found): Promise<boolean> {
    const del = this.deletes[f.kind]
    if (!del) throw new BugError(`sentiops does not delete ${FOUND_LABEL[f.kind]}s`)
    try {
      // DeleteStack succeeds for a stack that does not exist: ask first, so "already gone" is reported as such.
      if (f.kind === 'cloudformation-stack' && !(await this.stackExists(f.id))) return false
      await del(f.id)
      return true
    } catch (error) {
      if (isGone(error)) return false
      throw awsError(DELETE_CALL[f.kind]!, f.id, error)
    }
  }

  /** True while the resource still exists (a stack in DELETE_COMPLETE, a NAT gateway in `deleted` do not). */
  async exists(f: Found): Promise<boolean> {
    try {
      switch (f.kind) {
        case 'elbv2-load-balancer':
          return ((await this.client(ElasticLoadBalancingV2Client).send(new DescribeLoadBalancersCommand({LoadBalancerArns: [f.id]}))).LoadBalancers ?? []).length > 0
        case 'cloudformation-stack':
          return this.stackExists(f.id)
        case 'ec2-nat-gateway': {
          const out = await this.client(EC2Client).send(new DescribeNatGatewaysCommand({NatGatewayIds: [f.id]}))
          return (out.NatGateways ?? []).some(n => n.NatGatewayId === f.id && n.State !== 'deleted')
        }
        default:
          throw new Error(`no existence check for ${f.kind}`)
      }
    } catch (error) {
      if (isGone(error)) return false
      throw awsError(`${DELETE_CALL[f.kind] ?? 'Describe'} (check)`, f.id, error)
    }
  }

  private async stackExists(name: string): Promise<boolean> {
    try {
      const out = await this.client(CloudFormationClient).send(new DescribeStacksCommand({StackName: name}))
      return (out.Stacks ?? []).some(s => s.StackStatus !== 'DELETE_COMPLETE')
    } catch (error) {
      // CloudFormation answers ValidationError "Stack with id X does not exist".
      if (/does not exist/.test((error as Error).message ?? '')) return false
      throw error
    }
  }

  destroy(): void {
    for (const c of this.clients.values()) c.destroy()
    this.clients.clear()
  }
}

/** The API call that deletes each kind (as plan steps name it). */
export const DELETE_CALL: Partial<Record<FoundKind, string>> = {
  'elbv2-load-balancer': 'ELBv2 DeleteLoadBalancer',
  'elbv2-target-group': 'ELBv2 DeleteTargetGroup',
  'cloudformation-stack': 'CloudFormation DeleteStack',
  'ec2-nat-gateway': 'EC2 DeleteNatGateway',
  'ec2-elastic-ip': 'EC2 ReleaseAddress',
  'ec2-volume': 'EC2 DeleteVolume',
  'ecr-repository': 'ECR DeleteRepository (force, with its images)',
}

function isGone(error: unknown): boolean {
  const name = (error as {name?: string})?.name ?? ''
  return isAwsNotFound(error) || /NotFound|InvalidAllocationID|InvalidVolume\.NotFound|InvalidNatGatewayID|LoadBalancerNotFound|TargetGroupNotFound/.test(name)
}
