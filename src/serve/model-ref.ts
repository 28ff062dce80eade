import type {Bundle} from '../core/bundle/types.js'

/** Where a model URI points right now: a bundle directory plus what the registry knows about it. */
export interface ModelRef {
  dir: string
  name?: string
  version?: string
  alias?: string
  stage?: string
}

/** Turns a model URI (a bundle path or `models:/...`, `runs:/...`) into the bundle directory it points to now. */
export type ResolveModel = (uri: string) => Promise<ModelRef>

/** Loads (and fully parses) the bundle in a directory. */
export type LoadModel = (dir: string) => Promise<Bundle>
