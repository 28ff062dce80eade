/**
 * Paths of MLflow's file store (spec §1.1, §2). What sentiops adds of its own sits in the root where MLflow never
 * looks: the writer lock is a file (MLflow lists only sub-directories of the root), and files and folders being
 * written are staged in STAGING_DIR, whose name ends in `.trash`: MLflow's FileStore skips every root
 * sub-directory whose name ends so when it lists experiments. Any other dot-named folder in the root would be
 * taken for an experiment id, fail MLflow's id check, and make `search_experiments` (the UI's list) error.
 */
import path from 'node:path'

export const TRASH_DIR = '.trash'
export const MODELS_DIR = 'models'
export const DEFAULT_EXPERIMENT_ID = '0'
export const DEFAULT_EXPERIMENT_NAME = 'Default'
export const META_FILE = 'meta.yaml'
export const LOCK_FILE = '.sentiops.lock'
/** Where entries are staged before they are renamed into place (see above). */
export const STAGING_DIR = '.sentiops-staging.trash'
/** Where earlier sentiops builds staged entries (directly in the root); such leftovers are removed when found. */
export const LEGACY_STAGING_PREFIX = '.sentiops-tmp-'
export const VERSION_DIR_PREFIX = 'version-'
/** Sub-directories of an experiment that are not runs. */
export const RESERVED_EXPERIMENT_SUBDIRS = new Set(['tags', 'datasets', 'traces', 'models'])

export class FileStoreLayout {
  constructor(readonly root: string) {}

  get trash(): string {
    return path.join(this.root, TRASH_DIR)
  }

  get modelsRoot(): string {
    return path.join(this.root, MODELS_DIR)
  }

  get lockFile(): string {
    return path.join(this.root, LOCK_FILE)
  }

  experimentDir(experimentId: string, deleted = false): string {
    return path.join(deleted ? this.trash : this.root, experimentId)
  }

  modelDir(name: string): string {
    return path.join(this.modelsRoot, name)
  }

  versionDir(name: string, version: number | string): string {
    return path.join(this.modelDir(name), `${VERSION_DIR_PREFIX}${version}`)
  }

  /** A key such as `loss/train` becomes nested directories, as in MLflow. */
  keyFile(dir: string, key: string): string {
    return path.join(dir, ...key.split('/'))
  }
}
