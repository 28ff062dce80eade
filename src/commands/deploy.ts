import {Flags} from '@oclif/core'
import YAML from 'yaml'
import {BaseCommand, EXIT_CODE_HELP} from '../cli/base-command.js'
import {setFlag} from '../cli/flags.js'
import {loadShipSettings, setOverridesFromEnv} from '../core/cloud/config.js'
import {deploy} from '../core/cloud/deploy.js'
import {PLACEHOLDER_IMAGE} from '../core/cloud/manifests.js'
import {formatPlan} from '../core/cloud/plan.js'
import {readLastPush} from '../core/cloud/records.js'
import {asYamlComment} from '../core/cloud/template.js'
import {UserError} from '../core/errors.js'

export default class Deploy extends BaseCommand<typeof Deploy> {
  static override summary = 'Roll the model server out to Kubernetes (EKS) behind a LoadBalancer.'
  static override description = `Renders the manifests in k8s/ for the image (Namespace, ConfigMap, Secret from the environment
variables named in cloud.deploy.secret_env, e.g. MLFLOW_TRACKING_URI with credentials, Deployment with startup/liveness/readiness probes and a read-only
non-root container, LoadBalancer Service, HorizontalPodAutoscaler, PodDisruptionBudget and, when the cluster
has kube-prometheus-stack, a ServiceMonitor, PrometheusRule and Grafana dashboard), applies them with
server-side apply (field manager sentiops), waits for the rollout and prints the LoadBalancer address.
The HorizontalPodAutoscaler owns the replica count (the Deployment does not set it unless cloud.deploy.autoscale
is false). A rollout that makes no progress for cloud.deploy.rollout_timeout_s (the Deployment's
progressDeadlineSeconds, judged by the Deployment controller) is rolled back to the previous image and the command
exits 4. Secret values are never printed: plans and --json show ***. --dry-run prints one YAML stream (the plan as
# comments), with a placeholder image and a warning when nothing was pushed yet.

${EXIT_CODE_HELP}`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --image 123456789012.dkr.ecr.us-east-1.amazonaws.com/sentiops:3f2a9c1b7d0e',
    '<%= config.bin %> <%= command.id %> --dry-run --output-dir rendered/',
  ]
  static override flags = {
    image: Flags.string({description: 'image reference to run (default: the first reference of the last `sentiops push`)'}),
    'output-dir': Flags.string({description: 'also write the rendered manifests here (Secret values masked)'}),
    'dry-run': Flags.boolean({description: 'print the manifests (one YAML stream, the plan as # comments) without touching the cluster; without a pushed image they show a placeholder', default: false}),
    set: setFlag,
  }

  async run() {
    const cwd = process.cwd()
    const {params, cloud} = await loadShipSettings({file: this.flags.params, overrides: [...setOverridesFromEnv(), ...this.flags.set]})
    const dryRun = this.flags['dry-run']
    let image = this.flags.image ?? (await readLastPush(cwd, cloud))?.refs[0]
    if (!image && dryRun) {
      image = PLACEHOLDER_IMAGE
      this.reporter.warn(`no image was pushed yet: the manifests show the placeholder ${PLACEHOLDER_IMAGE}; run \`sentiops push\` (or pass --image) before deploying`)
    }
    if (!image) throw new UserError('no image to deploy: run `sentiops push` first or pass --image REGISTRY/REPOSITORY:TAG')
    const result = await deploy({cwd, cloud, params, image, dryRun, outputDir: this.flags['output-dir'], reporter: this.reporter})
    if (result.dryRun) {
      // stdout stays one YAML stream a person can pipe (kubectl apply -f -): the plan goes in comments.
      if (this.flags['output-dir']) this.log(`# wrote ${result.files.length} manifests (Secret values masked) to ${this.flags['output-dir']}`)
      else this.log(result.manifests.map(m => YAML.stringify(m)).join('---\n'))
      this.log(asYamlComment(formatPlan('deploy plan (dry run)', result.plan)))
      return result
    }
    this.log(`deployed ${result.image} to ${result.namespace}/${result.name} (context ${result.context})`)
    if (result.previousImage && result.previousImage !== result.image) this.log(`  previous image  ${result.previousImage}`)
    this.log(`  endpoint        ${result.loadBalancer ? `http://${result.loadBalancer}/predict` : 'LoadBalancer address pending'}`)
    if (result.skipped.length > 0) this.log(`  not applied     ${result.skipped.join(', ')} (no kube-prometheus-stack CRDs)`)
    return result
  }
}
