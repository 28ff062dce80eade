import {createServer, request, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'

/**
 * A recording HTTP proxy in front of moto: every AWS request sentiops sends goes through it, and each is
 * decoded into the call it makes (`EC2 DeleteVolume vol-123`), whatever the protocol: query (EC2, ELBv2,
 * CloudFormation), JSON (ECR, the tagging API) or REST (EKS, S3). Tests compare what a command said it would
 * do with these calls, an oracle independent of the command's own bookkeeping.
 */

export interface AwsCall {
  /** Signing name from the SigV4 credential scope: ec2, elasticloadbalancing, cloudformation, ecr, eks, s3, tagging. */
  service: string
  operation: string
  /** The identifier the call acts on (an ID, name, ARN or bucket), '' when it has none. */
  target: string
  /** HTTP status the emulator answered. */
  status?: number
}

export interface AwsRecorder {
  url: string
  calls: AwsCall[]
  /** Calls that change something (not Describe/List/Get/Head). */
  writes(): string[]
  stop(): Promise<void>
}

const SERVICE_NAME: Record<string, string> = {ec2: 'EC2', elasticloadbalancing: 'ELBv2', cloudformation: 'CloudFormation', ecr: 'ECR', eks: 'EKS', s3: 'S3', tagging: 'Tagging', sts: 'STS'}

/** The parameter naming what each mutating call acts on. */
const TARGET_PARAM = ['VolumeId', 'AllocationId', 'NatGatewayId', 'LoadBalancerArn', 'TargetGroupArn', 'StackName', 'repositoryName']

export function formatCall(c: AwsCall): string {
  return `${SERVICE_NAME[c.service] ?? c.service} ${c.operation} ${c.target}`.trim()
}

export function decodeCall(method: string, url: string, headers: Record<string, string | string[] | undefined>, body: string): AwsCall {
  const scope = /Credential=[^/]+\/\d+\/[^/]+\/([^/]+)\//.exec(String(headers.authorization ?? ''))
  const service = scope?.[1] ?? 'unknown'
  const amzTarget = headers['x-amz-target']
  const pathname = new URL(url, 'http://x').pathname
  const query = new URL(url, 'http://x').searchParams
  if (typeof amzTarget === 'string') {
    const json = body ? (JSON.parse(body) as Record<string, unknown>) : {}
    const key = TARGET_PARAM.find(k => typeof json[k] === 'string')
    return {service, operation: amzTarget.split('.').pop()!, target: key ? String(json[key]) : ''}
  }
  if (service === 'ec2' || service === 'elasticloadbalancing' || service === 'cloudformation') {
    const form = new URLSearchParams(body)
    const key = TARGET_PARAM.find(k => form.has(k))
    return {service, operation: form.get('Action') ?? '?', target: key ? form.get(key)! : ''}
  }
  if (service === 'eks') {
    const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent)
    const op = method === 'DELETE' ? (parts[2] === 'node-groups' ? 'DeleteNodegroup' : 'DeleteCluster') : method === 'POST' ? (parts[2] === 'node-groups' ? 'CreateNodegroup' : 'CreateCluster') : parts[2] === 'node-groups' ? 'ListNodegroups' : parts.length > 1 ? 'DescribeCluster' : 'ListClusters'
    return {service, operation: op, target: parts.slice(1).filter(p => p !== 'node-groups').join('/')}
  }
  if (service === 's3') {
    const [bucket = '', ...key] = pathname.split('/').filter(Boolean).map(decodeURIComponent)
    const op = method === 'POST' && query.has('delete') ? 'DeleteObjects' : method === 'PUT' ? (key.length ? 'PutObject' : 'CreateBucket') : method === 'DELETE' ? 'DeleteObject' : key.length ? 'GetObject' : 'ListObjectsV2'
    return {service, operation: op, target: key.length ? `${bucket}/${key.join('/')}` : bucket}
  }
  return {service, operation: `${method} ${pathname}`, target: ''}
}

export async function startAwsRecorder(upstream: string): Promise<AwsRecorder> {
  const calls: AwsCall[] = []
  const to = new URL(upstream)
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      const call = decodeCall(req.method ?? 'GET', req.url ?? '/', req.headers, body.toString('utf8'))
      calls.push(call)
      const forward = request({host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers}, upstreamRes => {
        call.status = upstreamRes.statusCode
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers)
        upstreamRes.pipe(res)
      })
      forward.on('error', error => {
        res.writeHead(502)
        res.end(String(error))
      })
      forward.end(body)
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    writes: () => calls.filter(c => !/^(Describe|List|Get|Head)/.test(c.operation)).map(formatCall),
    stop: () => new Promise<void>(resolve => {
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
}
