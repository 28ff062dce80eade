import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

/**
 * Every temp dir of a test run (projects, models, stores, Prometheus and Docker data roots) goes under one
 * directory of its own, through TMPDIR, which os.tmpdir() reads in the test workers and the processes they
 * start; the directory is removed when the run ends, so runs leave nothing in /tmp.
 */
export default function setup(): () => void {
  const previous = process.env.TMPDIR
  const dir = mkdtempSync(path.join(tmpdir(), 'sentiops-tests-'))
  process.env.TMPDIR = dir
  return () => {
    if (previous === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = previous
    rmSync(dir, {recursive: true, force: true})
  }
}
