/**
 * First use of a file store (spec §4.1): `mlruns/`, `.trash/`, the Default experiment `0/meta.yaml` and
 * `models/`. Idempotent, and safe when several processes initialize the same store at once.
 */
import {mkdir, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {dumpMlflowYaml} from '../yaml.js'
import {pathToFileUri} from '../uri.js'
import {DEFAULT_EXPERIMENT_ID, DEFAULT_EXPERIMENT_NAME, META_FILE, type FileStoreLayout} from './layout.js'
import {experimentToMeta} from './meta.js'
import {createDirAtomicIn, exists, removeStaleStaging} from './writer.js'

export async function ensureStoreLayout(layout: FileStoreLayout): Promise<void> {
  await mkdir(layout.root, {recursive: true})
  await mkdir(layout.trash, {recursive: true})
  await mkdir(layout.modelsRoot, {recursive: true})
  const defaultDir = layout.experimentDir(DEFAULT_EXPERIMENT_ID)
  if (!(await exists(path.join(defaultDir, META_FILE))) && !(await exists(layout.experimentDir(DEFAULT_EXPERIMENT_ID, true)))) {
    const now = Date.now()
    const meta = experimentToMeta({
      experimentId: DEFAULT_EXPERIMENT_ID,
      name: DEFAULT_EXPERIMENT_NAME,
      artifactLocation: pathToFileUri(defaultDir),
      lifecycleStage: 'active',
      creationTime: now,
      lastUpdateTime: now,
      tags: {},
    })
    // Losing the race to another process is fine: its Default experiment is as good as ours.
    await createDirAtomicIn(layout.root, defaultDir, dir => writeFile(path.join(dir, META_FILE), dumpMlflowYaml(meta)))
  }
  await removeStaleStaging(layout.root)
}
