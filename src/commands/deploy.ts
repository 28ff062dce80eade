import {Flags} from '@oclif/core'
import YAML from 'yaml'
import {BaseCommand, EXIT_CODE_HELP} from '../cli/base-command.js'
import {setFlag} from '../cli/flags.js'
import {loadShipSettings, setOverridesFromEnv} from '../core/cloud/config.js'
import {deploy} from '../core/cloud/deploy.js'
import {formatPlan} from '../core/cloud/plan.js'
import {readLastPush} from '../core/cloud/records.js'
import {UserError} from '../core/errors.js'

export default class Deploy extends BaseCommand<typeof Deploy> {
  static override summary = 'Roll the model server out to Kubernetes (EKS) behind a LoadBalancer.'
  static override description = `Renders the manifests in k8s/ for the image (Namespace, ConfigMap, Secret from the environment
variables named in cloud.deploy.secret_env, Deployment with startup/liveness/readiness probes and a read-only
non-root container, LoadBalancer Service, HorizontalPodAutoscaler, PodDisruptionBudget and, when the cluster
has kube-prometheus-stack, a ServiceMonitor, PrometheusRule and Grafana dashboard), applies them with
server-side apply (field manager sentiops), waits for the rollout and prints the LoadBalancer address.
A rollout that does not become ready within cloud.deploy.rollout_timeout_s is rolled back to the previous image
and the command exits 4. Secret values are never printed: plans and --json show ***.

${EXIT_CODE_HELP}`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --image 123456789012.dkr.ecr.us-east-1.amazonaws.com/sentiops:3f2a9c1b7d0e',
    '<%= config.bin %> <%= command.id %> --dry-run --output-dir rendered/',
  ]
  static override flags = {
    image: Flags.string({description: 'image reference to run (default: the first reference of the last `sentiops push`)'}),
    'output-dir': Flags.string({description: 'also write the rendered manifests here (Secret values masked)'}),
    'dry-run': Flags.boolean({description: 'print the manifests and the plan without touching the cluster', default: false}),
    set: setFlag,
  }

  async run() {
    const cwd = process.cwd()
    const {params, cloud} = await loadShipSettings({file: this.flags.params, overrides: [...setOverridesFromEnv(), ...this.flags.set]})
    const image = this.flags.image ?? (await readLastPush(cwd, cloud))?.refs[0]
    if (!image) throw new UserError('no image to deploy: run `sentiops push` first or pass --image REGISTRY/REPOSITORY:TAG')
    const result = await deploy({cwd, cloud, params, image, dryRun: this.flags['dry-run'], outputDir: this.flags['output-dir'], reporter: this.reporter})
    if (result.dryRun) {
      if (this.flags['output-dir']) this.log(`wrote ${result.files.length} manifests (Secret values masked) to ${this.flags['output-dir']}`)
      else this.log(result.manifests.map(m => YAML.stringify(m)).join('---\n'))
      this.log(formatPlan('deploy plan (dry run)', result.plan))
      return result
    }
    this.log(`deployed ${result.image} to ${result.namespace}/${result.name} (context ${result.context})`)
    if (result.previousImage && result.previousImage !== result.image) this.log(`  previous image  ${result.previousImage}`)
    this.log(`  endpoint        ${result.loadBalancer ? `http://${result.loadBalancer}/predict` : 'LoadBalancer address pending'}`)
    if (result.skipped.length > 0) this.log(`  not applied     ${result.skipped.join(', ')} (no kube-prometheus-stack CRDs)`)
    return result
  }
}
