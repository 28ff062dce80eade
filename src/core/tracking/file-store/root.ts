/** One file store root shared by the tracking store and the registry: layout, lazy initialization, writer lock. */
import {pathToFileUri} from '../uri.js'
import {ensureStoreLayout} from './init.js'
import {FileStoreLayout} from './layout.js'
import {withFileLock, type LockOptions} from './lock.js'

export class FileStoreRoot {
  readonly layout: FileStoreLayout
  private ready?: Promise<void>

  constructor(root: string, private readonly lockOptions: LockOptions = {}) {
    this.layout = new FileStoreLayout(root)
  }

  get uri(): string {
    return pathToFileUri(this.layout.root)
  }

  /** Creates the store skeleton on the first write (reads of a missing store simply find nothing). */
  async init(): Promise<void> {
    this.ready ??= ensureStoreLayout(this.layout).catch(error => {
      this.ready = undefined
      throw error
    })
    return this.ready
  }

  /** Runs a read-modify-write step while holding the store's writer lock. */
  async locked<T>(fn: () => Promise<T>): Promise<T> {
    await this.init()
    return withFileLock(this.layout.lockFile, fn, this.lockOptions)
  }
}
