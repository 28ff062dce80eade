import {execFileSync, spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {copyFile, mkdir, mkdtemp, readdir, rename, rm, symlink} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {execa} from 'execa'
import {ROOT} from './cli.js'

/**
 * The real Kubernetes control plane of ../shared/tools/k8s (kube-apiserver + kube-controller-manager v1.32.13
 * with etcd) for one test file: start it in beforeAll, stop it in afterAll. There is no kubelet:
 * `readyLoop` plays it (ready-pods.sh) while a rollout waits.
 */

export const K8S_TOOLS = path.resolve(ROOT, '..', 'shared', 'tools', 'k8s')

/** Why the real control plane cannot run here (a clone without ../shared), or undefined when it can. */
export function controlPlaneSkipReason(): string | undefined {
  if (!existsSync(path.join(K8S_TOOLS, 'up.sh'))) return `no real Kubernetes control plane at ${K8S_TOOLS} (it ships beside the repository, not in it)`
  if (spawnSync('kubectl', ['version', '--client'], {stdio: 'ignore'}).status !== 0) return 'kubectl is not on PATH'
  const root = process.getuid?.() === 0
  if (spawnSync('sh', ['-c', 'command -v etcd'], {stdio: 'ignore'}).status !== 0 && !root) return 'etcd is not installed (run scripts/deps/k8s.sh as root)'
  return undefined
}

/** Decompressed binaries shared by every start on this machine (up.sh skips the ~5 s xz step when present). */
const BIN_CACHE = path.join(os.tmpdir(), 'sentiops-k8s-bin-v1.32.13')
const BINARIES = ['kube-apiserver', 'kube-controller-manager']

export class ControlPlane {
  private constructor(
    readonly stateDir: string,
    /** Admin kubeconfig (context `local`). */
    readonly kubeconfig: string,
  ) {}

  static async start(): Promise<ControlPlane> {
    const stateDir = await mkdtemp(path.join(os.tmpdir(), 'sentiops-k8s-'))
    const bin = path.join(stateDir, 'bin')
    await mkdir(bin)
    if (BINARIES.every(b => existsSync(path.join(BIN_CACHE, b)))) {
      for (const b of BINARIES) await symlink(path.join(BIN_CACHE, b), path.join(bin, b))
    }
    try {
      const up = await execa(path.join(K8S_TOOLS, 'up.sh'), [stateDir], {all: true, timeout: 120_000})
      const plane = new ControlPlane(stateDir, up.stdout.trim().split('\n').at(-1)!)
      await plane.cacheBinaries()
      return plane
    } catch (error) {
      await execa(path.join(K8S_TOOLS, 'down.sh'), [stateDir], {reject: false})
      throw error
    }
  }

  async stop(): Promise<void> {
    await execa(path.join(K8S_TOOLS, 'down.sh'), [this.stateDir], {reject: false})
    await rm(this.stateDir, {recursive: true, force: true})
  }

  env(): NodeJS.ProcessEnv {
    return {...process.env, KUBECONFIG: this.kubeconfig}
  }

  kubectl(args: string[], input?: string) {
    return execa('kubectl', args, {env: this.env(), reject: false, all: true, input})
  }

  /** kubectl ... -o json, parsed; throws with kubectl's output when it fails. */
  async getJson<T = any>(args: string[]): Promise<T> {
    const r = await this.kubectl([...args, '-o', 'json'])
    if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.all}`)
    return JSON.parse(r.stdout) as T
  }

  /** Synchronous variant for polling inside a test. */
  getJsonSync<T = any>(args: string[]): T | undefined {
    try {
      return JSON.parse(execFileSync('kubectl', [...args, '-o', 'json'], {env: this.env(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']})) as T
    } catch {
      return undefined
    }
  }

  /**
   * Plays kubelet (and the cloud load-balancer controller) for NAMESPACE/SELECTOR until stopped: runs
   * ready-pods.sh again each time it finishes.
   */
  readyLoop(namespace: string, selector: string, pauseMs = 300): {stop(): Promise<void>} {
    let running = true
    const loop = (async () => {
      while (running) {
        await execa(path.join(K8S_TOOLS, 'ready-pods.sh'), [namespace, selector], {env: this.env(), reject: false})
        await new Promise(resolve => setTimeout(resolve, pauseMs))
      }
    })()
    return {
      async stop() {
        running = false
        await loop
      },
    }
  }

  private async cacheBinaries(): Promise<void> {
    if (BINARIES.every(b => existsSync(path.join(BIN_CACHE, b)))) return
    await mkdir(BIN_CACHE, {recursive: true})
    for (const b of await readdir(path.join(this.stateDir, 'bin'))) {
      if (!BINARIES.includes(b) || existsSync(path.join(BIN_CACHE, b))) continue
      // Copy then rename: another test file may be filling the cache at the same time.
      const partial = path.join(BIN_CACHE, `.${b}.${process.pid}`)
      await copyFile(path.join(this.stateDir, 'bin', b), partial)
      await rename(partial, path.join(BIN_CACHE, b))
    }
  }
}
