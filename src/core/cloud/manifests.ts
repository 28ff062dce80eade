import {createHash} from 'node:crypto'
import {readFile} from 'node:fs/promises'
import path from 'node:path'
import YAML from 'yaml'
import type {Params} from '../config/index.js'
import {UserError} from '../errors.js'
import {packageRoot} from '../image/context.js'
import type {CloudConfig} from './config.js'
import {renderTemplateFile} from './template.js'

/** The part of a Kubernetes object every manifest has. */
export interface KubeObject {
  apiVersion: string
  kind: string
  metadata: {name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: unknown}
  [key: string]: unknown
}

/** Templates applied by `sentiops deploy`, in apply order (teardown reverses it, LoadBalancers first). */
const APP_TEMPLATES = ['namespace.yaml', 'configmap.yaml', 'secret.yaml', 'deployment.yaml', 'service.yaml', 'hpa.yaml', 'pdb.yaml'] as const
const MONITORING_TEMPLATES = ['monitoring/servicemonitor.yaml', 'monitoring/prometheus-rule.yaml', 'monitoring/grafana-dashboard-configmap.yaml'] as const

export interface RenderManifestsOptions {
  cloud: CloudConfig
  params: Params
  /** Full image reference, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/sentiops:3f2a9c1b7d0e. */
  image: string
  /** Environment the Secret's values are read from (default process.env). */
  env?: NodeJS.ProcessEnv
  /** Directory with the templates (default: this package's k8s/). */
  k8sDir?: string
}

export interface RenderedManifests {
  objects: KubeObject[]
  /** The same objects with every Secret value replaced by *** (for plans, logs and --json). */
  masked: KubeObject[]
}

/** What `deploy --dry-run` renders before any push: a reserved .invalid host, so it can never be pulled. */
export const PLACEHOLDER_IMAGE = 'registry.invalid/sentiops:placeholder-no-image-pushed'

export function k8sDir(): string {
  return path.join(packageRoot(), 'k8s')
}

export async function renderManifests(options: RenderManifestsOptions): Promise<RenderedManifests> {
  const {cloud, params} = options
  const dir = options.k8sDir ?? k8sDir()
  const env = options.env ?? process.env
  const {deploy} = cloud
  const secretData: Record<string, string> = {}
  for (const name of deploy.secret_env) {
    const value = env[name]
    if (value === undefined || value === '') {
      throw new UserError(`cloud.deploy.secret_env lists ${name}, but the environment has no ${name}`, {
        suggestions: [`export ${name}=... (in CI: a repository secret passed as env), or remove it from cloud.deploy.secret_env`],
      })
    }
    secretData[name] = Buffer.from(value, 'utf8').toString('base64')
  }
  const configData: Record<string, string> = {...deploy.env}
  // A tracking URI given through secret_env (it may carry credentials) lives only in the Secret.
  if (deploy.mlflow_tracking_uri && !deploy.secret_env.includes('MLFLOW_TRACKING_URI')) configData.MLFLOW_TRACKING_URI = deploy.mlflow_tracking_uri

  const version = labelValue(imageTag(options.image))
  const selectorLabels = {'app.kubernetes.io/name': deploy.name, 'app.kubernetes.io/instance': deploy.name}
  const commonLabels = {'app.kubernetes.io/part-of': cloud.project, 'app.kubernetes.io/managed-by': 'sentiops'}
  const labels = {...selectorLabels, 'app.kubernetes.io/version': version, 'app.kubernetes.io/component': 'server', ...commonLabels}
  const values = {
    ...cloud,
    name: deploy.name,
    namespace: deploy.namespace,
    imageRef: options.image,
    port: params.serve.port,
    // The 5 s preStop sleep counts against this period, then the server drains for up to grace_period_ms.
    terminationGracePeriodSeconds: Math.ceil(params.serve.grace_period_ms / 1000) + 5,
    commonLabels,
    labels,
    selectorLabels,
    monitoringLabels: {...labels, release: deploy.prometheus_release},
    dashboardLabels: {...labels, grafana_dashboard: '1'},
    configData,
    secretData,
    configHash: configHash(configData),
    ...(deploy.monitoring ? await monitoringValues(dir) : {}),
  }

  const skip = new Set([...(deploy.secret_env.length > 0 ? [] : ['secret.yaml']), ...(deploy.autoscale ? [] : ['hpa.yaml'])])
  const templates = [...APP_TEMPLATES.filter(t => !skip.has(t)), ...(deploy.monitoring ? MONITORING_TEMPLATES : [])]
  const objects: KubeObject[] = []
  for (const template of templates) {
    for (const doc of await renderTemplateFile(path.join(dir, template), values)) objects.push(doc as KubeObject)
  }
  // With an HPA the replica count is the HPA's: a Deployment that sets it would reset the count on every
  // deploy, and server-side apply would keep sentiops the field's owner.
  const deployment = objects.find(o => o.kind === 'Deployment')!
  if (!deploy.autoscale) deployment.spec = {replicas: deploy.replicas, ...(deployment.spec as object)}
  return {objects, masked: objects.map(maskSecret)}
}

/**
 * The pod template's `sentiops.io/config-hash`: the ConfigMap's data and the Secret's resourceVersion after
 * apply. Both change exactly when the content does (a server-side apply that changes nothing keeps the
 * resourceVersion), so pods restart then and only then; no Secret value goes into the hash, so the
 * annotation reveals nothing about them. Before apply (dry runs) the Secret part is ''.
 */
export function configHash(configData: Record<string, string>, secretVersion = ''): string {
  return createHash('sha256').update(JSON.stringify([configData, secretVersion])).digest('hex').slice(0, 16)
}

export const CONFIG_HASH_ANNOTATION = 'sentiops.io/config-hash'

/** The Deployment with its pod template's config hash replaced. */
export function withConfigHash(deployment: KubeObject, hash: string): KubeObject {
  const copy = structuredClone(deployment) as KubeObject & {spec: {template: {metadata: {annotations: Record<string, string>}}}}
  copy.spec.template.metadata.annotations[CONFIG_HASH_ANNOTATION] = hash
  return copy
}

/** Replaces Secret values with ***, keeping the keys. */
export function maskSecret(object: KubeObject): KubeObject {
  if (object.kind !== 'Secret') return object
  const mask = (data: unknown) => Object.fromEntries(Object.keys((data ?? {}) as Record<string, unknown>).map(k => [k, '***']))
  return {...object, ...(object.data ? {data: mask(object.data)} : {}), ...(object.stringData ? {stringData: mask(object.stringData)} : {})}
}

export function objectRef(o: Pick<KubeObject, 'kind' | 'metadata'>): string {
  return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`
}

async function monitoringValues(dir: string): Promise<Record<string, unknown>> {
  const rules = YAML.parse(await readFile(path.join(dir, 'monitoring', 'alert-rules.yml'), 'utf8')) as {groups: unknown[]}
  const dashboard = await readFile(path.join(dir, 'monitoring', 'grafana-dashboard.json'), 'utf8')
  return {alertGroups: rules.groups, dashboardJson: JSON.stringify(JSON.parse(dashboard))}
}

function imageTag(ref: string): string {
  const at = ref.indexOf('@')
  if (at >= 0) return ref.slice(at + 1 + 'sha256:'.length, at + 1 + 'sha256:'.length + 12)
  const colon = ref.lastIndexOf(':')
  return colon > ref.lastIndexOf('/') ? ref.slice(colon + 1) : 'latest'
}

/** A valid label value: ≤ 63 characters of [A-Za-z0-9_.-], alphanumeric at both ends. */
function labelValue(text: string): string {
  return text.replace(/[^\w.-]/g, '-').slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '') || 'unknown'
}
