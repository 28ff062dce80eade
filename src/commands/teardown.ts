import {Flags} from '@oclif/core'
import {BaseCommand, EXIT_CODE_HELP} from '../cli/base-command.js'
import {setFlag} from '../cli/flags.js'
import {loadShipSettings, setOverridesFromEnv} from '../core/cloud/config.js'
import {confirmDestruction, terminalAsk} from '../core/cloud/confirm.js'
import {formatPlan} from '../core/cloud/plan.js'
import {teardown} from '../core/cloud/teardown.js'
import {ExternalError} from '../core/errors.js'

export default class Teardown extends BaseCommand<typeof Teardown> {
  static override summary = 'Delete every cloud object sentiops created, LoadBalancers first, and check that nothing is left.'
  static override description = `Reads the ledger (cloud.state_file, default .sentiops/state.json) and deletes in a safe order:
LoadBalancer Services first (waiting until the cloud load balancer is released), the other Kubernetes objects,
the namespace, the EKS cluster (eksctl), ECR images and repositories, and the S3 objects under
cloud.artifacts.prefix. Objects already gone count as done, so running it again is a no-op. It ends by checking
every resource again and lists anything still present (exit 4 then).

Asks you to type the cluster name first; --confirm <cluster-name> or --yes skip the question. Without a
terminal (CI, pipes) it refuses unless one of them is given. --dry-run lists the steps and changes nothing.

${EXIT_CODE_HELP}`
  static override examples = [
    '<%= config.bin %> <%= command.id %> --dry-run',
    '<%= config.bin %> <%= command.id %> --confirm sentiops',
    '<%= config.bin %> <%= command.id %> --yes --json',
  ]
  static override flags = {
    confirm: Flags.string({description: 'the cluster name (cloud.cluster.name), confirming the deletion without a prompt'}),
    yes: Flags.boolean({description: 'delete without asking', default: false}),
    'dry-run': Flags.boolean({description: 'list what would be deleted, in order, and change nothing', default: false}),
    set: setFlag,
  }

  async run() {
    const cwd = process.cwd()
    const {cloud} = await loadShipSettings({file: this.flags.params, overrides: [...setOverridesFromEnv(), ...this.flags.set]})
    const plan = await teardown({cwd, cloud, dryRun: true, reporter: this.reporter})
    if (this.flags['dry-run'] || plan.plan.length === 0) {
      this.log(formatPlan(this.flags['dry-run'] ? 'teardown plan (dry run)' : 'teardown', plan.plan))
      return plan
    }
    await confirmDestruction({
      expected: cloud.cluster.name,
      action: `delete ${plan.plan.filter(s => s.kind !== 'wait').length} cloud resources of project ${cloud.project} (cluster ${cloud.cluster.name})`,
      yes: this.flags.yes,
      confirm: this.flags.confirm,
      ask: this.jsonEnabled() ? undefined : terminalAsk(),
    })
    const result = await teardown({cwd, cloud, reporter: this.reporter})
    this.log(formatPlan('teardown', result.plan))
    this.log(`deleted: ${result.deleted.length}, already gone: ${result.alreadyGone.length}`)
    for (const failure of result.failures) this.log(`  failed: ${failure}`)
    if (result.remaining.length === 0 && result.failures.length === 0) {
      this.log('verified: nothing sentiops created is left')
      return result
    }
    for (const left of result.remaining) this.log(`  still present: ${left}`)
    throw new ExternalError(`teardown incomplete: ${result.remaining.length} resource(s) still present, ${result.failures.length} step(s) failed`, {
      suggestions: ['fix the cause shown above and run `sentiops teardown` again; the ledger still lists what is left'],
      data: {remaining: result.remaining, failures: result.failures},
    })
  }
}
