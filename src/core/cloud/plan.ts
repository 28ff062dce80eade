/**
 * A plan is the ordered list of side effects a cloud command performs: files written, AWS API calls,
 * Kubernetes requests and external commands. `--dry-run` prints it; a real run returns the steps it carried
 * out in the same shape, so the two can be compared. Secrets never enter a step (callers mask them first).
 */

export type StepKind = 'file' | 'command' | 'aws' | 'kubernetes' | 'wait' | 'ledger'

export interface PlanStep {
  kind: StepKind
  /** Verb: write, CreateRepository, apply, delete, docker build, rollout, ... */
  action: string
  /** The object acted on: a path, an ARN-like name, `Deployment sentiops/sentiment-api`, an image ref. */
  target: string
  /** Extra request detail (API input, command line), already masked. */
  detail?: Record<string, unknown>
}

export function step(kind: StepKind, action: string, target: string, detail?: Record<string, unknown>): PlanStep {
  return detail === undefined ? {kind, action, target} : {kind, action, target, detail}
}

/** Collects the steps of a run as they happen. */
export class StepLog {
  readonly steps: PlanStep[] = []

  add(entry: PlanStep): PlanStep {
    this.steps.push(entry)
    return entry
  }
}

export function formatStep(s: PlanStep, index?: number): string {
  const n = index === undefined ? '' : `${String(index + 1).padStart(2)}. `
  const command = typeof s.detail?.command === 'string' ? `\n      $ ${s.detail.command}` : ''
  return `${n}[${s.kind}] ${s.action} ${s.target}${command}`
}

export function formatPlan(title: string, steps: readonly PlanStep[]): string {
  if (steps.length === 0) return `${title}: nothing to do`
  return [`${title}:`, ...steps.map((s, i) => `  ${formatStep(s, i)}`)].join('\n')
}
