import {Flags} from '@oclif/core'
import {BaseCommand, EXIT_CODE_HELP} from '../cli/base-command.js'
import {setFlag} from '../cli/flags.js'
import {loadShipSettings, setOverridesFromEnv} from '../core/cloud/config.js'
import {formatPlan} from '../core/cloud/plan.js'
import {writeLastBuild} from '../core/cloud/records.js'
import {buildImage} from '../core/image/build.js'

export default class Build extends BaseCommand<typeof Build> {
  static override summary = 'Build the production container image of the model server.'
  static override description = `Stages a minimal build context (the compiled server traced from its entry points, production
dependencies only, and the model bundle) and builds templates/Dockerfile with docker or buildah: multi-stage,
non-root user, HEALTHCHECK on /v2/health/ready, OCI labels (source, revision = git sha, created, model name and
version). Tags, added once the build has written the image id: <repository>:<sha12>-<id12> (git commit, -dirty
with uncommitted changes, nogit outside a checkout) and, for a baked model, <repository>:<model>-<version>-<id12>.
Ending in the image id, a tag never names two different images, so every build (a new commit with the same
champion, or a rebuild of the same commit) can be pushed to an ECR repository with immutable tags; --dry-run
shows IMAGEID where the id goes. The model is baked in (default,
immutable) or, with --model-source registry, fetched at start from a models:/ URI (the pods then need
MLFLOW_TRACKING_URI). Prints the image id, size, what it adds on top of the base, and the build time.

Settings come from the cloud.image section of params.yaml (repository, base_image, builder, model_source, uid).

${EXIT_CODE_HELP}`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --model models:/sentiment@champion --base-image node:20.19-bookworm-slim',
    '<%= config.bin %> <%= command.id %> --model-source registry --model models:/sentiment@champion --dry-run --json',
  ]
  static override flags = {
    model: Flags.string({description: 'bundle directory or models:/ URI to put in the image (default: serve.model)'}),
    'base-image': Flags.string({description: 'base image providing node (default: cloud.image.base_image)'}),
    builder: Flags.string({description: 'image builder (default: cloud.image.builder)', options: ['docker', 'buildah']}),
    'model-source': Flags.string({description: 'bake the bundle in, or fetch it from the registry at start (default: cloud.image.model_source)', options: ['baked', 'registry']}),
    'tracking-uri': Flags.string({description: 'tracking store for resolving models:/ URIs', env: 'MLFLOW_TRACKING_URI'}),
    'dry-run': Flags.boolean({description: 'print the plan (context, build command) without building', default: false}),
    set: setFlag,
  }

  async run() {
    const cwd = process.cwd()
    const {params, cloud} = await loadShipSettings({file: this.flags.params, overrides: [...setOverridesFromEnv(), ...this.flags.set]})
    const result = await buildImage({
      cwd,
      params,
      cloud,
      model: this.flags.model,
      baseImage: this.flags['base-image'],
      builder: this.flags.builder as 'docker' | 'buildah' | undefined,
      modelSource: this.flags['model-source'] as 'baked' | 'registry' | undefined,
      trackingUri: this.flags['tracking-uri'],
      dryRun: this.flags['dry-run'],
      reporter: this.reporter,
    })
    if (result.dryRun) {
      this.log(formatPlan('build plan (dry run)', result.plan))
      return result
    }
    await writeLastBuild(cwd, cloud, {imageId: result.imageId, tags: result.tags, model: {name: result.model.name, version: result.model.version}, builtAt: new Date().toISOString()})
    this.log(`built ${result.tags.join(', ')}`)
    this.log(`  image id     ${result.imageId}`)
    this.log(`  model        ${result.model.name} ${result.model.version} (${result.model.source === 'baked' ? 'baked in' : `fetched from ${result.model.serverModel}`})`)
    if (result.sizeBytes !== undefined) this.log(`  size         ${mib(result.sizeBytes)}${result.appLayersBytes === undefined ? '' : ` (${mib(result.appLayersBytes)} on top of ${result.baseImage})`}`)
    this.log(`  build time   ${result.buildSeconds} s`)
    return result
  }
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`
}
