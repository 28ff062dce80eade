/**
 * Paths of MLflow's file store (spec §1.1, §2). Everything sentiops adds of its own (the writer lock, staging
 * files) sits directly in the root as dot-named files, which MLflow never reads: it lists only sub-directories.
 */
import path from 'node:path'

export const TRASH_DIR = '.trash'
export const MODELS_DIR = 'models'
export const DEFAULT_EXPERIMENT_ID = '0'
export const DEFAULT_EXPERIMENT_NAME = 'Default'
export const META_FILE = 'meta.yaml'
export const LOCK_FILE = '.sentiops.lock'
export const STAGING_PREFIX = '.sentiops-tmp-'
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
