import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {Ajv} from 'ajv'
import YAML from 'yaml'
import {ConfigError} from '../errors.js'
import {formatCommand, runCommand, type CommandRunner} from '../exec.js'
import {writeFileAtomic} from '../fs/atomic.js'
import {templatesDir} from '../image/context.js'
import {silentReporter, type Reporter} from '../reporter.js'
import {awsTarget} from './aws.js'
import type {CloudConfig} from './config.js'
import {Eks} from './eks.js'
import {openLedger} from './ledger.js'
import {step, type PlanStep} from './plan.js'
import {renderTemplateFile} from './template.js'

const EKSCTL_HINT = 'install eksctl (https://eksctl.io/installation/) and make sure it is on PATH'
const CLUSTER_TIMEOUT_MS = 45 * 60_000

/** Tags (AWS) marking everything sentiops creates, so leftovers can be found by tag too. */
export function projectTags(cloud: CloudConfig): Record<string, string> {
  return {'sentiops.io/project': cloud.project, 'sentiops.io/created-by': 'sentiops'}
}

/** Renders templates/eksctl/cluster.yaml from the cloud config and validates it against eksctl's schema. */
export async function renderClusterConfig(cloud: CloudConfig, templates = templatesDir()): Promise<Record<string, unknown>> {
  const file = path.join(templates, 'eksctl', 'cluster.yaml')
  const [config] = await renderTemplateFile(file, {...cloud, tags: projectTags(cloud)})
  await validateClusterConfig(config, templates)
  return config as Record<string, unknown>
}

let validator: ReturnType<Ajv['compile']> | undefined

export async function validateClusterConfig(config: unknown, templates = templatesDir()): Promise<void> {
  if (!validator) {
    const schema = JSON.parse(await readFile(path.join(templates, 'eksctl', 'clusterconfig.schema.json'), 'utf8')) as Record<string, unknown>
    delete schema.$schema
    validator = new Ajv({strict: false, allErrors: true, validateFormats: false}).compile(schema)
  }
  if (!validator(config)) {
    const e = validator.errors![0]!
    const at = e.instancePath.split('/').filter(Boolean).join('.') || '(top level)'
    throw new ConfigError(`eksctl ClusterConfig does not match eksctl's schema: ${at} ${e.message}${e.keyword === 'additionalProperties' ? ` (${(e.params as {additionalProperty: string}).additionalProperty})` : ''}`)
  }
}

export interface ClusterOptions {
  cwd: string
  cloud: CloudConfig
  dryRun?: boolean
  run?: CommandRunner
  reporter?: Reporter
  eks?: Eks
}

export interface ClusterResult {
  dryRun: boolean
  cluster: string
  region: string
  /** Where the rendered ClusterConfig was (or would be) written. */
  configFile: string
  config?: Record<string, unknown>
  kubeconfig: string
  /** False when the cluster already existed (create) or was already gone (delete). */
  changed: boolean
  plan: PlanStep[]
}

function kubeconfigArgs(cloud: CloudConfig, cwd: string): string[] {
  return cloud.cluster.kubeconfig ? ['--kubeconfig', path.resolve(cwd, cloud.cluster.kubeconfig)] : []
}

function kubeconfigPath(cloud: CloudConfig, cwd: string): string {
  if (cloud.cluster.kubeconfig) return path.resolve(cwd, cloud.cluster.kubeconfig)
  return process.env.KUBECONFIG?.split(path.delimiter)[0] || path.join(process.env.HOME ?? '~', '.kube', 'config')
}

/**
 * Creates the EKS cluster with eksctl from the rendered ClusterConfig (skipped when EKS already has it), then
 * writes a kubeconfig entry for it. The ledger gets the cluster before eksctl starts, so a failure halfway
 * (CloudFormation stacks left behind) is still torn down.
 */
export async function createCluster(options: ClusterOptions): Promise<ClusterResult> {
  const {cloud, cwd} = options
  const run = options.run ?? runCommand
  const reporter = options.reporter ?? silentReporter
  const name = cloud.cluster.name
  const region = cloud.region
  const config = await renderClusterConfig(cloud)
  const configFile = path.resolve(cwd, path.dirname(cloud.state_file), `eksctl-${name}.yaml`)
  const create = {file: 'eksctl', args: ['create', 'cluster', '--config-file', configFile, '--timeout', '40m']}
  const kubeconfig = {file: 'eksctl', args: ['utils', 'write-kubeconfig', '--cluster', name, '--region', region, ...kubeconfigArgs(cloud, cwd)]}
  const plan: PlanStep[] = [
    step('aws', 'EKS DescribeCluster', name),
    step('file', 'write', configFile, {content: 'eksctl ClusterConfig (shown under config)'}),
    step('ledger', 'record', `eks-cluster/${region}/${name}`),
    step('command', 'eksctl create cluster', name, {command: formatCommand(create.file, create.args)}),
    step('command', 'eksctl utils write-kubeconfig', name, {command: formatCommand(kubeconfig.file, kubeconfig.args)}),
  ]
  const base = {cluster: name, region, configFile, config, kubeconfig: kubeconfigPath(cloud, cwd)}
  if (options.dryRun) return {...base, dryRun: true, changed: true, plan}

  const eks = options.eks ?? new Eks(awsTarget(cloud))
  try {
    await eks.checkCredentials()
    const existing = await eks.describeCluster(name)
    let changed = false
    if (existing && existing.status !== 'DELETING') {
      reporter.info(`EKS cluster ${name} already exists (${existing.status}); not creating it`)
    } else {
      await writeFileAtomic(configFile, YAML.stringify(config))
      const ledger = await openLedger(cwd, cloud)
      try {
        await ledger.intend({type: 'eks-cluster', region, name, kubeconfig: base.kubeconfig})
        reporter.info(`creating EKS cluster ${name} in ${region} with eksctl (15-25 minutes)`)
        await run(create.file, create.args, {reporter, timeoutMs: CLUSTER_TIMEOUT_MS, missingHint: EKSCTL_HINT, failureHint: `see the CloudFormation stacks eksctl-${name}-* in ${region}; \`sentiops teardown\` removes what was created`})
        await ledger.confirm({type: 'eks-cluster', region, name, kubeconfig: base.kubeconfig})
      } finally {
        ledger.close()
      }
      changed = true
    }
    await run(kubeconfig.file, kubeconfig.args, {reporter, missingHint: EKSCTL_HINT})
    return {...base, dryRun: false, changed, plan}
  } finally {
    if (!options.eks) eks.destroy()
  }
}

/** Deletes the cluster with eksctl (waiting for CloudFormation), then forgets it in the ledger. */
export async function deleteCluster(options: ClusterOptions): Promise<ClusterResult> {
  const {cloud, cwd} = options
  const run = options.run ?? runCommand
  const reporter = options.reporter ?? silentReporter
  const name = cloud.cluster.name
  const region = cloud.region
  const del = deleteClusterCommand(name, region)
  const configFile = path.resolve(cwd, path.dirname(cloud.state_file), `eksctl-${name}.yaml`)
  const plan: PlanStep[] = [
    step('aws', 'EKS DescribeCluster', name),
    step('command', 'eksctl delete cluster', name, {command: formatCommand(del.file, del.args)}),
    step('ledger', 'forget', `eks-cluster/${region}/${name}`),
  ]
  const base = {cluster: name, region, configFile, kubeconfig: kubeconfigPath(cloud, cwd)}
  if (options.dryRun) return {...base, dryRun: true, changed: true, plan}
  const eks = options.eks ?? new Eks(awsTarget(cloud))
  try {
    await eks.checkCredentials()
    const changed = await deleteClusterIfPresent(eks, name, region, run, reporter)
    const ledger = await openLedger(cwd, cloud)
    try {
      await ledger.remove({type: 'eks-cluster', region, name})
    } finally {
      ledger.close()
    }
    return {...base, dryRun: false, changed, plan}
  } finally {
    if (!options.eks) eks.destroy()
  }
}

export function deleteClusterCommand(name: string, region: string): {file: string; args: string[]} {
  return {file: 'eksctl', args: ['delete', 'cluster', '--name', name, '--region', region, '--wait']}
}

/** Runs eksctl delete when EKS still knows the cluster; true when something was deleted. */
export async function deleteClusterIfPresent(eks: Eks, name: string, region: string, run: CommandRunner, reporter: Reporter): Promise<boolean> {
  const existing = await eks.describeCluster(name)
  if (!existing) {
    reporter.info(`EKS cluster ${name} is already gone`)
    return false
  }
  const del = deleteClusterCommand(name, region)
  reporter.info(`deleting EKS cluster ${name} with eksctl (10-15 minutes)`)
  await run(del.file, del.args, {reporter, timeoutMs: CLUSTER_TIMEOUT_MS, missingHint: EKSCTL_HINT})
  return true
}
