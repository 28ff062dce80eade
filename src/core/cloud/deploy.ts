import path from 'node:path'
import YAML from 'yaml'
import type {Params} from '../config/index.js'
import {ExternalError} from '../errors.js'
import {writeFileAtomic} from '../fs/atomic.js'
import {silentReporter, type Reporter} from '../reporter.js'
import type {CloudConfig} from './config.js'
import {FIELD_MANAGER, Kube} from './kube.js'
import {openLedger} from './ledger.js'
import {configHash, objectRef, renderManifests, withConfigHash, type KubeObject} from './manifests.js'
import {step, type PlanStep} from './plan.js'

export interface DeployOptions {
  cwd: string
  cloud: CloudConfig
  params: Params
  /** Full image reference to run. */
  image: string
  dryRun?: boolean
  /** Also write the rendered manifests (Secret values masked) as YAML files here. */
  outputDir?: string
  /** How long to wait for a LoadBalancer address (it is reported as pending after that). */
  loadBalancerTimeoutMs?: number
  pollMs?: number
  reporter?: Reporter
  env?: NodeJS.ProcessEnv
}

export interface DeployResult {
  dryRun: boolean
  image: string
  namespace: string
  name: string
  context?: string
  /** Rendered manifests, Secret values masked. */
  manifests: KubeObject[]
  /** Files written with --output-dir. */
  files: string[]
  previousImage?: string
  loadBalancer?: string
  /** Monitoring objects not applied because the cluster lacks the kube-prometheus-stack CRDs. */
  skipped: string[]
  plan: PlanStep[]
}

const LB_TIMEOUT_MS = 5 * 60_000
/** Field manager that keeps the replica count when sentiops stops applying it (see handReplicasToHpa). */
export const HANDOVER_MANAGER = 'sentiops-handover-to-hpa'

/**
 * Renders k8s/ with the image, applies every object with server-side apply (field manager `sentiops`), waits
 * for the rollout like `kubectl rollout status`, and prints the LoadBalancer address. When the rollout fails
 * (ProgressDeadlineExceeded or timeout) the Deployment goes back to its previous pod template, the command
 * waits for that, and fails with exit code 4 naming both images.
 */
export async function deploy(options: DeployOptions): Promise<DeployResult> {
  const {cloud, cwd} = options
  const reporter = options.reporter ?? silentReporter
  const {namespace, name} = cloud.deploy
  const {objects, masked} = await renderManifests({cloud, params: options.params, image: options.image, env: options.env})
  const files = options.outputDir ? await writeManifests(path.resolve(cwd, options.outputDir), masked) : []
  const deploymentRef = {apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name, namespace}}
  // The Deployment controller decides a rollout failed (progressDeadlineSeconds without progress); this
  // client-side limit only catches a controller that never reports, so it leaves the controller time to.
  const timeoutMs = (cloud.deploy.rollout_timeout_s * 2 + 30) * 1000
  const plan: PlanStep[] = [
    step('kubernetes', 'get', objectRef(deploymentRef), {why: 'the image to roll back to'}),
    ...objects.map(o => applyStep(o)),
    step('wait', 'rollout', objectRef(deploymentRef), {progressDeadlineSeconds: cloud.deploy.rollout_timeout_s}),
    step('wait', 'LoadBalancer address', `Service ${namespace}/${name}`),
  ]
  const base = {image: options.image, namespace, name, manifests: masked, files, skipped: [] as string[]}
  if (options.dryRun) return {...base, dryRun: true, plan}

  const kube = await Kube.connect({kubeconfig: cloud.cluster.kubeconfig ? path.resolve(cwd, cloud.cluster.kubeconfig) : '', context: cloud.deploy.kube_context})
  const ledger = await openLedger(cwd, cloud)
  const executed: PlanStep[] = [plan[0]!]
  const previous = await kube.get(deploymentRef)
  const previousImage = imageOf(previous)
  const skipped: string[] = []
  if (previous && !hasReplicas(objects) && (await handReplicasToHpa(kube, previous, reporter))) {
    executed.push(step('kubernetes', 'apply (hand spec.replicas to the HorizontalPodAutoscaler)', objectRef(previous), {fieldManager: HANDOVER_MANAGER, serverSide: true}))
  }
  const configData = (objects.find(o => o.kind === 'ConfigMap' && o.metadata.name === name)?.data ?? {}) as Record<string, string>
  let secretVersion = ''
  try {
    for (let object of objects) {
      if (object.kind === 'Deployment') object = withConfigHash(object, configHash(configData, secretVersion))
      if (object.apiVersion.startsWith('monitoring.coreos.com/') && !(await kube.serves(object.apiVersion, object.kind))) {
        skipped.push(objectRef(object))
        continue
      }
      const resource = {type: 'kubernetes' as const, context: kube.context, apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name, ...(object.metadata.namespace ? {namespace: object.metadata.namespace} : {}), ...(isLoadBalancer(object) ? {loadBalancer: true} : {})}
      // A namespace that existed before sentiops is not ours to delete later.
      const adopt = object.kind !== 'Namespace' || !(await kube.get(object)) || ledger.find(resource)
      if (adopt) await ledger.intend(resource)
      executed.push(applyStep(object))
      reporter.debug(`applying ${objectRef(object)}`)
      const live = await kube.apply(object)
      if (object.kind === 'Secret' && object.metadata.name === name) secretVersion = String(live.metadata.resourceVersion ?? '')
      if (adopt) await ledger.confirm(resource)
    }
  } finally {
    ledger.close()
  }
  if (skipped.length > 0) reporter.warn(`the cluster has no monitoring.coreos.com/v1 API (kube-prometheus-stack): skipped ${skipped.join(', ')}`)

  reporter.info(`waiting for Deployment ${namespace}/${name} to roll out ${options.image} (failed after ${cloud.deploy.rollout_timeout_s} s without progress)`)
  executed.push(plan[plan.length - 2]!)
  const wait = {timeoutMs, pollMs: options.pollMs, onProgress: (m: string) => reporter.info(`  ${m}`)}
  try {
    await kube.waitForRollout(namespace, name, wait)
  } catch (error) {
    if (!(error instanceof ExternalError)) throw error
    throw await rollBack(kube, previous, options.image, error, executed, wait, reporter, hasReplicas(objects))
  }
  executed.push(plan[plan.length - 1]!)
  const loadBalancer = await kube.waitForLoadBalancer(namespace, name, {timeoutMs: options.loadBalancerTimeoutMs ?? LB_TIMEOUT_MS, pollMs: options.pollMs})
  if (!loadBalancer) reporter.warn(`Service ${namespace}/${name} has no LoadBalancer address yet; see \`kubectl -n ${namespace} get service ${name}\``)
  return {...base, dryRun: false, context: kube.context, previousImage, loadBalancer, skipped, plan: executed}
}

async function rollBack(kube: Kube, previous: KubeObject | undefined, image: string, failure: ExternalError, executed: PlanStep[], wait: {timeoutMs: number; pollMs?: number; onProgress: (m: string) => void}, reporter: Reporter, applyReplicas: boolean): Promise<ExternalError> {
  const previousImage = imageOf(previous)
  if (!previous || !previousImage) {
    return new ExternalError(`rollout of ${image} failed: ${failure.message}; there is no previous version to roll back to`, {
      suggestions: [`inspect it with \`kubectl -n ${previous?.metadata.namespace ?? '<namespace>'} describe deployment\` and the pods' logs`],
      cause: failure,
    })
  }
  reporter.warn(`rollout of ${image} failed (${failure.message}); rolling back to ${previousImage}`)
  const restore: KubeObject = {
    apiVersion: previous.apiVersion,
    kind: previous.kind,
    metadata: {name: previous.metadata.name, namespace: previous.metadata.namespace, ...(previous.metadata.labels ? {labels: previous.metadata.labels} : {})},
    // With an HPA the replica count stays its own, as in a normal deploy.
    spec: applyReplicas ? previous.spec : withoutReplicas(previous.spec),
  }
  executed.push(step('kubernetes', 'apply (rollback)', objectRef(restore), {image: previousImage, fieldManager: FIELD_MANAGER}), step('wait', 'rollout (rollback)', objectRef(restore)))
  await kube.apply(restore)
  try {
    await kube.waitForRollout(previous.metadata.namespace!, previous.metadata.name, wait)
  } catch (error) {
    return new ExternalError(`rollout of ${image} failed (${failure.message}) and the rollback to ${previousImage} did not finish either: ${(error as Error).message}`, {cause: failure})
  }
  return new ExternalError(`rollout of ${image} failed: ${failure.message}; rolled back to ${previousImage}`, {
    suggestions: ['check the new image locally (`docker run ... sentiops serve`) and the pods\' events before deploying again'],
    cause: failure,
    data: {image, previousImage, rolledBack: true},
  })
}

function withoutReplicas(spec: unknown): unknown {
  const {replicas: _, ...rest} = (spec ?? {}) as {replicas?: number}
  return rest
}

function hasReplicas(objects: KubeObject[]): boolean {
  return (objects.find(o => o.kind === 'Deployment')?.spec as {replicas?: number} | undefined)?.replicas !== undefined
}

/**
 * Server-side apply deletes a field its manager stops applying when nobody else owns it: a Deployment
 * whose `replicas` sentiops applied before (no HPA then, or an older sentiops) would drop to 1 replica.
 * Kubernetes' documented hand-over: apply the live count under a second manager first; a conflict means
 * the HPA already owns the field, which is the goal.
 */
async function handReplicasToHpa(kube: Kube, live: KubeObject, reporter: Reporter): Promise<boolean> {
  const managed = (live.metadata.managedFields ?? []) as Array<{manager?: string; operation?: string; fieldsV1?: {'f:spec'?: Record<string, unknown>}}>
  const ours = managed.some(m => m.manager === FIELD_MANAGER && m.operation === 'Apply' && m.fieldsV1?.['f:spec']?.['f:replicas'] !== undefined)
  const replicas = (live.spec as {replicas?: number} | undefined)?.replicas
  if (!ours || replicas === undefined) return false
  reporter.debug(`handing spec.replicas (${replicas}) of ${objectRef(live)} over to the HorizontalPodAutoscaler`)
  const handover = {apiVersion: live.apiVersion, kind: live.kind, metadata: {name: live.metadata.name, namespace: live.metadata.namespace}, spec: {replicas}}
  try {
    await kube.apply(handover, {fieldManager: HANDOVER_MANAGER, force: false})
  } catch (error) {
    if ((error as ExternalError).data?.status !== 409) throw error
  }
  return true
}

function applyStep(object: KubeObject): PlanStep {
  return step('kubernetes', 'apply', objectRef(object), {fieldManager: FIELD_MANAGER, serverSide: true})
}

function isLoadBalancer(object: KubeObject): boolean {
  return object.kind === 'Service' && (object.spec as {type?: string} | undefined)?.type === 'LoadBalancer'
}

function imageOf(deployment: KubeObject | undefined): string | undefined {
  const containers = (deployment?.spec as {template?: {spec?: {containers?: Array<{image?: string}>}}} | undefined)?.template?.spec?.containers
  return containers?.[0]?.image
}

async function writeManifests(dir: string, objects: KubeObject[]): Promise<string[]> {
  const files: string[] = []
  for (const [i, object] of objects.entries()) {
    const file = path.join(dir, `${String(i + 1).padStart(2, '0')}-${object.kind.toLowerCase()}-${object.metadata.name}.yaml`)
    await writeFileAtomic(file, YAML.stringify(object))
    files.push(file)
  }
  return files
}
