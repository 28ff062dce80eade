import {chmod, mkdir, readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {REPO_ROOT} from './ship-app.js'

/**
 * A contract fake of the eksctl CLI, installed as `eksctl` in a bin directory put first on PATH. It accepts
 * the invocations sentiops makes, with eksctl's flags and exit codes, and does their AWS side through the EKS
 * API (moto at AWS_ENDPOINT_URL):
 *   eksctl create cluster --config-file F [--timeout T]   → CreateCluster + CreateNodegroup per managed group
 *   eksctl delete cluster --name N --region R [--wait]    → DeleteNodegroup(s) + DeleteCluster
 *   eksctl utils write-kubeconfig --cluster N --region R [--kubeconfig K] → a kubeconfig for FAKE_KUBE_URL
 * Every invocation is appended to <dir>/eksctl-calls.jsonl.
 */
export async function installFakeEksctl(dir: string): Promise<{binDir: string; calls(): Promise<string[][]>}> {
  const binDir = path.join(dir, 'bin')
  await mkdir(binDir, {recursive: true})
  const log = path.join(dir, 'eksctl-calls.jsonl')
  const script = `#!${process.execPath} --no-warnings
import {appendFileSync, readFileSync, writeFileSync, mkdirSync} from 'node:fs'
import path from 'node:path'
import {createRequire} from 'node:module'
const require = createRequire(${JSON.stringify(path.join(REPO_ROOT, 'package.json'))})
const {EKSClient, CreateClusterCommand, CreateNodegroupCommand, DeleteClusterCommand, DeleteNodegroupCommand, ListNodegroupsCommand, DescribeClusterCommand} = require('@aws-sdk/client-eks')
const YAML = require('yaml')
const args = process.argv.slice(2)
appendFileSync(${JSON.stringify(log)}, JSON.stringify(args) + '\\n')
const flag = name => { const i = args.indexOf('--' + name); return i >= 0 ? args[i + 1] : undefined }
const fail = message => { process.stderr.write('Error: ' + message + '\\n'); process.exit(1) }
const eks = region => new EKSClient({region, endpoint: process.env.AWS_ENDPOINT_URL})
const [verb, noun] = args
if (verb === 'create' && noun === 'cluster') {
  const file = flag('config-file') ?? flag('f') ?? fail('--config-file is required')
  const config = YAML.parse(readFileSync(file, 'utf8'))
  if (config?.kind !== 'ClusterConfig' || config.apiVersion !== 'eksctl.io/v1alpha5') fail('loading config file "' + file + '": no kind "ClusterConfig" in eksctl.io/v1alpha5')
  const {name, region, version, tags} = config.metadata
  const client = eks(region)
  process.stderr.write('[ℹ]  building cluster stack "eksctl-' + name + '-cluster"\\n')
  try {
    await client.send(new CreateClusterCommand({name, version, roleArn: 'arn:aws:iam::123456789012:role/eksctl-' + name + '-cluster-ServiceRole', resourcesVpcConfig: {subnetIds: ['subnet-fake']}, tags}))
  } catch (e) { fail('creating CloudFormation stack "eksctl-' + name + '-cluster": ' + e.message) }
  for (const ng of config.managedNodeGroups ?? []) {
    await client.send(new CreateNodegroupCommand({clusterName: name, nodegroupName: ng.name, nodeRole: 'arn:aws:iam::123456789012:role/ng', subnets: ['subnet-fake'], instanceTypes: ng.instanceTypes, scalingConfig: {minSize: ng.minSize, maxSize: ng.maxSize, desiredSize: ng.desiredCapacity}, labels: ng.labels, tags: ng.tags}))
  }
  process.stderr.write('[✔]  EKS cluster "' + name + '" in "' + region + '" region is ready\\n')
} else if (verb === 'delete' && noun === 'cluster') {
  const name = flag('name') ?? fail('--name is required'); const region = flag('region') ?? fail('--region is required')
  const client = eks(region)
  try { await client.send(new DescribeClusterCommand({name})) } catch { fail('unable to describe cluster control plane: ResourceNotFoundException: No cluster found for name: ' + name) }
  const {nodegroups = []} = await client.send(new ListNodegroupsCommand({clusterName: name}))
  for (const nodegroupName of nodegroups) await client.send(new DeleteNodegroupCommand({clusterName: name, nodegroupName}))
  await client.send(new DeleteClusterCommand({name}))
  process.stderr.write('[✔]  all cluster resources were deleted\\n')
} else if (verb === 'utils' && noun === 'write-kubeconfig') {
  const name = flag('cluster') ?? fail('--cluster is required'); const region = flag('region') ?? fail('--region is required')
  const file = flag('kubeconfig') ?? path.join(process.env.HOME, '.kube', 'config')
  const context = 'sentiops@' + name + '.' + region + '.eksctl.io'
  mkdirSync(path.dirname(file), {recursive: true})
  writeFileSync(file, YAML.stringify({apiVersion: 'v1', kind: 'Config', 'current-context': context,
    clusters: [{name: name + '.' + region + '.eksctl.io', cluster: {server: process.env.FAKE_KUBE_URL ?? 'http://127.0.0.1:9', 'insecure-skip-tls-verify': true}}],
    users: [{name: context, user: {token: 'fake'}}],
    contexts: [{name: context, context: {cluster: name + '.' + region + '.eksctl.io', user: context}}]}))
  process.stderr.write('[✔]  saved kubeconfig as "' + file + '"\\n')
} else {
  fail('unknown command "' + args.join(' ') + '" for "eksctl"')
}
`
  const file = path.join(binDir, 'eksctl')
  // .mjs semantics for the top-level await: node decides by the shebang'd file's nearest package.json otherwise.
  await writeFile(path.join(binDir, 'package.json'), '{"type": "module"}\n')
  await writeFile(file, script)
  await chmod(file, 0o755)
  return {
    binDir,
    calls: async () => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean).map(l => JSON.parse(l) as string[]),
  }
}
