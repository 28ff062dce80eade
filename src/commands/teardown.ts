import {Flags} from '@oclif/core'
import {BaseCommand, EXIT_CODE_HELP} from '../cli/base-command.js'
import {setFlag} from '../cli/flags.js'
import {loadShipSettings, setOverridesFromEnv} from '../core/cloud/config.js'
import {confirmDestruction, terminalAsk} from '../core/cloud/confirm.js'
import {LEDGER_URI_ENV} from '../core/cloud/ledger.js'
import {formatPlan} from '../core/cloud/plan.js'
import {teardown, type TeardownResult} from '../core/cloud/teardown.js'
import {ExternalError} from '../core/errors.js'

export default class Teardown extends BaseCommand<typeof Teardown> {
  static override summary = 'Delete every cloud object sentiops created, LoadBalancers first, then sweep by tags and check that nothing is left.'
  static override description = `Reads the ledger and deletes in a safe order: LoadBalancer Services first (waiting until the cloud load balancer is released), the other Kubernetes objects, the namespace, the EKS cluster (eksctl), ECR images and repositories, and the S3 objects under cloud.artifacts.prefix. Objects already gone count as done, so running it again is a no-op.

The ledger is the S3 object named by ${LEDGER_URI_ENV} (s3://BUCKET/KEY) when set, so CD and laptops share it; otherwise the local cloud.state_file (default .sentiops/state.json), which only this checkout sees.

Before and after, a sweep looks in cloud.region for resources the ledger does not list: anything tagged sentiops.io/project=<cloud.project>, eksctl's and Kubernetes' tags for cloud.cluster.name (including load balancers of the app's Service), eksctl's CloudFormation stacks (eksctl-<cluster>-*), ELBv2 load balancers and target groups, EBS volumes, NAT gateways, Elastic IPs, ECR repositories and EKS clusters. What it finds is listed and the command exits 4, unless --all-tagged is given: then it is deleted too (load balancers, target groups, clusters via eksctl, stacks, NAT gateways, Elastic IPs, volumes, repositories, in that order); other kinds it finds by tag (security groups, S3 buckets, classic load balancers, ...) are listed for deletion by hand, unless a found CloudFormation stack owns them. Only cloud.region is swept, and a resource with none of these tags or names is not found.

Asks you to type the cluster name first; --confirm <cluster-name> or --yes skip the question. Without a terminal (CI, pipes) it refuses unless one of them is given. --dry-run lists the steps and what the sweep found, and changes nothing.

${EXIT_CODE_HELP}`
  static override examples = [
    '<%= config.bin %> <%= command.id %> --dry-run',
    '<%= config.bin %> <%= command.id %> --dry-run --all-tagged --json',
    '<%= config.bin %> <%= command.id %> --confirm sentiops',
    `${LEDGER_URI_ENV}=s3://my-team-state/sentiops/ledger.json <%= config.bin %> <%= command.id %> --all-tagged --yes`,
  ]
  static override flags = {
    confirm: Flags.string({description: 'the cluster name (cloud.cluster.name), confirming the deletion without a prompt'}),
    yes: Flags.boolean({description: 'delete without asking', default: false}),
    'dry-run': Flags.boolean({description: 'list what would be deleted, in order, and what the sweep found; change nothing', default: false}),
    'all-tagged': Flags.boolean({description: 'also delete what the sweep finds outside the ledger (tagged for this project or cluster)', default: false}),
    set: setFlag,
  }

  async run() {
    const cwd = process.cwd()
    const {cloud} = await loadShipSettings({file: this.flags.params, overrides: [...setOverridesFromEnv(), ...this.flags.set]})
    const allTagged = this.flags['all-tagged']
    const plan = await teardown({cwd, cloud, dryRun: true, allTagged, reporter: this.reporter})
    this.log(`ledger: ${plan.ledger} (${plan.ledgerShared ? 'shared' : `local to this checkout; set ${LEDGER_URI_ENV}=s3://BUCKET/KEY to share it with CD`})`)
    if (this.flags['dry-run']) {
      this.log(formatPlan('teardown plan (dry run)', plan.plan))
      this.logFound(plan)
      return plan
    }
    if (plan.plan.length === 0) {
      this.log(formatPlan('teardown', plan.plan))
      if (plan.kept.length === 0) return plan
      this.logFound(plan)
      throw this.incomplete(plan)
    }
    await confirmDestruction({
      expected: cloud.cluster.name,
      action: `delete ${plan.plan.filter(s => s.kind !== 'wait').length} cloud resources of project ${cloud.project} (cluster ${cloud.cluster.name})`,
      yes: this.flags.yes,
      confirm: this.flags.confirm,
      ask: this.jsonEnabled() ? undefined : terminalAsk(),
    })
    const result = await teardown({cwd, cloud, allTagged, reporter: this.reporter})
    this.log(formatPlan('teardown', result.plan))
    this.log(`deleted: ${result.deleted.length}, already gone: ${result.alreadyGone.length}`)
    for (const failure of result.failures) this.log(`  failed: ${failure}`)
    if (result.remaining.length === 0 && result.failures.length === 0) {
      this.log('verified: nothing the ledger lists and nothing the sweep finds by tag is left')
      return result
    }
    for (const left of result.remaining) this.log(`  still present: ${left}`)
    throw this.incomplete(result)
  }

  private logFound(result: TeardownResult): void {
    if (result.discovered.length === 0) {
      this.log('sweep: nothing found outside the ledger')
      return
    }
    this.log(`sweep: found outside the ledger (${result.discovered.length}):`)
    for (const line of result.discovered) this.log(`  ${line}`)
    if (result.kept.length > 0) {
      this.log(!this.flags['all-tagged'] ? 'not deleted without --all-tagged' : `not deleted by sentiops (delete by hand): ${result.kept.join('; ')}`)
    }
  }

  private incomplete(result: TeardownResult): ExternalError {
    const remaining = result.dryRun ? result.kept : result.remaining
    return new ExternalError(`teardown incomplete: ${remaining.length} resource(s) still present, ${result.failures.length} step(s) failed`, {
      suggestions: [
        this.flags['all-tagged'] ? 'fix the cause shown above and run `sentiops teardown --all-tagged` again' : 'delete what the sweep found with `sentiops teardown --all-tagged` (check the list first with --dry-run --all-tagged)',
      ],
      data: {remaining, failures: result.failures, ledger: result.ledger},
    })
  }
}
