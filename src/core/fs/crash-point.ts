/**
 * A hook for the crash tests only (test/crash/): it lets a test kill the real binary at an exact step instead of
 * at a random time. Every durable step of a write (a temp file synced, a rename, a swap, a backup) calls
 * `crashPoint(label)`. With SENTIOPS_TEST_CRASH_FILE set, the step appends `<pid> <label>` to that file, which is
 * shared by the whole process tree (a `repro` and its stage commands); when the file then holds
 * SENTIOPS_TEST_CRASH_AT lines, or at the first step whose label matches the regular expression
 * SENTIOPS_TEST_CRASH_MATCH, the process sends SIGKILL to itself or, with SENTIOPS_TEST_CRASH_GROUP=1, to its
 * whole process group (the test starts the binary as a group leader: the binary and its stage commands).
 * Without SENTIOPS_TEST_CRASH_FILE the hook is one cached check.
 */
import {appendFileSync, readFileSync} from 'node:fs'

let config: {file: string; at: number; match?: RegExp; group: boolean} | null | undefined

function load(): typeof config {
  const file = process.env.SENTIOPS_TEST_CRASH_FILE
  if (!file) return null
  return {
    file,
    at: Number(process.env.SENTIOPS_TEST_CRASH_AT ?? 0),
    match: process.env.SENTIOPS_TEST_CRASH_MATCH ? new RegExp(process.env.SENTIOPS_TEST_CRASH_MATCH) : undefined,
    group: process.env.SENTIOPS_TEST_CRASH_GROUP === '1',
  }
}

export function crashPoint(label: string): void {
  if (config === undefined) config = load()
  if (!config) return
  appendFileSync(config.file, `${process.pid} ${label}\n`)
  if (config.match) {
    if (!config.match.test(label)) return
  } else {
    if (!(config.at > 0) || readFileSync(config.file, 'utf8').split('\n').length - 1 !== config.at) return
  }
  // pid 0: every process in our process group.
  process.kill(config.group ? 0 : process.pid, 'SIGKILL')
}
