/**
 * The stage DAG as DVC builds it: stage A depends on stage B when one of A's deps (a path, or a params file)
 * is, contains, or lies inside one of B's outs. Two outs may not be the same path or nested; cycles are errors.
 * Run order is DVC's: depth-first post-order over the stages in dvc.yaml order, so upstream stages come first.
 */
import path from 'node:path'
import {ConfigError, UsageError} from '../errors.js'
import type {Pipeline, Stage} from './types.js'

export interface StageGraph {
  stages: Stage[]
  /** Stage name → the stages it depends on, in the order the edges were found. */
  upstream: Map<string, string[]>
  /** Stage name → its dep (as written) → the stage whose output it is, contains, or lies inside. */
  producers: Map<string, Map<string, string>>
}

interface OutRef {
  stage: Stage
  abs: string
  display: string
}

export function buildGraph(pipeline: Pipeline): StageGraph {
  const outs: OutRef[] = []
  for (const stage of pipeline.stages) {
    for (const out of stage.outs) outs.push({stage, abs: path.resolve(pipeline.root, stage.wdir, out.path), display: out.path})
  }
  checkOverlaps(outs)
  const upstream = new Map<string, string[]>()
  const producers = new Map<string, Map<string, string>>()
  for (const stage of pipeline.stages) {
    const edges: string[] = []
    const found = new Map<string, string>()
    for (const dep of [...stage.deps, ...stage.params.map(p => p.file)]) {
      const abs = path.resolve(pipeline.root, stage.wdir, dep)
      for (const out of outs) {
        if (!(out.abs === abs || isInside(abs, out.abs) || isInside(out.abs, abs))) continue
        if (out.stage === stage) throw new ConfigError(`stage '${stage.name}' depends on its own output '${out.display}'`)
        if (!edges.includes(out.stage.name)) edges.push(out.stage.name)
        found.set(dep, out.stage.name)
      }
    }
    upstream.set(stage.name, edges)
    producers.set(stage.name, found)
  }
  checkAcyclic(pipeline.stages, upstream)
  return {stages: pipeline.stages, upstream, producers}
}

function isInside(child: string, parent: string): boolean {
  return child.startsWith(parent.endsWith(path.sep) ? parent : parent + path.sep)
}

function checkOverlaps(outs: OutRef[]): void {
  for (const [i, a] of outs.entries()) {
    for (const b of outs.slice(i + 1)) {
      if (a.abs === b.abs) {
        throw new ConfigError(`output '${a.display}' is produced by two stages: '${a.stage.name}' and '${b.stage.name}'`)
      }
      const [outer, inner] = isInside(b.abs, a.abs) ? [a, b] : isInside(a.abs, b.abs) ? [b, a] : []
      if (outer && inner) {
        throw new ConfigError(`output '${inner.display}' of stage '${inner.stage.name}' is inside output '${outer.display}' of stage '${outer.stage.name}'; outputs may not overlap`)
      }
    }
  }
}

function checkAcyclic(stages: Stage[], upstream: Map<string, string[]>): void {
  const state = new Map<string, 'visiting' | 'done'>()
  const trail: string[] = []
  const visit = (name: string): void => {
    if (state.get(name) === 'done') return
    if (state.get(name) === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(name)), name]
      throw new ConfigError(`the pipeline has a cycle: ${cycle.join(' -> ')} (a -> b: stage a depends on an output of stage b)`)
    }
    state.set(name, 'visiting')
    trail.push(name)
    for (const dep of upstream.get(name) ?? []) visit(dep)
    trail.pop()
    state.set(name, 'done')
  }
  for (const stage of stages) visit(stage.name)
}

export interface PlanOptions {
  targets?: readonly string[]
  /** Run the targets and the stages that depend on them, instead of the targets and their upstream stages. */
  downstream?: boolean
}

/**
 * The stages to consider, in run order. A target is a stage name (`train@lr`), a foreach/matrix group name
 * (all its stages) or `dvc.yaml:name`. Frozen stages cut the graph: their upstream stages are not pulled in.
 */
export function planStages(graph: StageGraph, options: PlanOptions = {}): Stage[] {
  const byName = new Map(graph.stages.map(s => [s.name, s]))
  // DVC's "active graph": a frozen stage has no edges to its upstream stages.
  const active = new Map([...graph.upstream].map(([name, deps]) => [name, byName.get(name)!.frozen ? [] : deps]))
  let selected: Set<string>
  const targets = options.targets ?? []
  if (targets.length === 0) {
    selected = new Set(byName.keys())
  } else {
    const sources = targets.flatMap(target => resolveTarget(graph.stages, target))
    selected = new Set()
    const next = options.downstream ? reverse(active) : active
    const collect = (name: string): void => {
      if (selected.has(name)) return
      selected.add(name)
      for (const other of next.get(name) ?? []) collect(other)
    }
    for (const source of sources) collect(source)
  }
  const order: string[] = []
  const visited = new Set<string>()
  const visit = (name: string): void => {
    if (visited.has(name) || !selected.has(name)) return
    visited.add(name)
    for (const dep of active.get(name) ?? []) visit(dep)
    order.push(name)
  }
  for (const stage of graph.stages) visit(stage.name)
  return order.map(name => byName.get(name)!)
}

function reverse(edges: Map<string, string[]>): Map<string, string[]> {
  const out = new Map<string, string[]>([...edges.keys()].map(name => [name, []]))
  for (const [name, deps] of edges) for (const dep of deps) out.get(dep)!.push(name)
  return out
}

function resolveTarget(stages: Stage[], target: string): string[] {
  const name = target.startsWith('dvc.yaml:') ? target.slice('dvc.yaml:'.length) : target
  if (stages.some(s => s.name === name)) return [name]
  const group = stages.filter(s => s.group === name).map(s => s.name)
  if (group.length > 0) return group
  throw new UsageError(`unknown stage '${target}'; the stages in dvc.yaml are: ${stages.map(s => s.name).join(', ') || '(none)'}`)
}
