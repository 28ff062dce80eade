import {spawn, type ChildProcess} from 'node:child_process'
import {chmod, copyFile, mkdir, mkdtemp, readFile, realpath, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {execa} from 'execa'

/**
 * A private Docker daemon for tests, as PLATFORM.md describes: vfs storage, no bridge, no iptables, no IP
 * forwarding, its own data root and socket; stopped by PID and its data root removed afterwards.
 */
export interface PrivateDocker {
  /** Environment with DOCKER_HOST pointing at the private daemon. */
  env: Record<string, string>
  host: string
  stop(): Promise<void>
}

const EXEC_ROOT = '/run/sentiops-docker'

export async function startPrivateDocker(): Promise<PrivateDocker> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sentiops-dockerd-'))
  const socket = path.join(dir, 'docker.sock')
  const host = `unix://${socket}`
  const execRoot = `${EXEC_ROOT}-${process.pid}`
  const log = await import('node:fs').then(fs => fs.openSync(path.join(dir, 'log'), 'w'))
  const child: ChildProcess = spawn('dockerd', [
    '--data-root', path.join(dir, 'root'),
    '--exec-root', execRoot,
    '--pidfile', path.join(dir, 'pid'),
    '-H', host,
    '--storage-driver=vfs',
    '--bridge=none', '--iptables=false', '--ip6tables=false', '--ip-masq=false', '--ip-forward=false', '--userland-proxy=false',
  ], {stdio: ['ignore', log, log], detached: false})
  const env = {DOCKER_HOST: host}
  const deadline = Date.now() + 20_000
  for (;;) {
    const probe = await execa('docker', ['info', '--format', '{{.ServerVersion}}'], {env, reject: false})
    if (probe.exitCode === 0) break
    if (child.exitCode !== null || Date.now() > deadline) {
      const text = await readFile(path.join(dir, 'log'), 'utf8').catch(() => '')
      child.kill('SIGKILL')
      throw new Error(`dockerd did not start: ${text.split('\n').slice(-5).join('\n')}`)
    }
    await new Promise(r => setTimeout(r, 200))
  }
  return {
    env,
    host,
    async stop() {
      child.kill('SIGTERM')
      await new Promise<void>(resolve => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL')
          resolve()
        }, 10_000)
        child.once('exit', () => {
          clearTimeout(timer)
          resolve()
        })
      })
      await execa('umount', [path.join(execRoot, 'netns', 'default')], {reject: false})
      await rm(execRoot, {recursive: true, force: true})
      await rm(dir, {recursive: true, force: true})
    },
  }
}

/**
 * A Node base image made from this machine's node binary, the libraries `ldd` lists for it, static busybox as
 * /bin/sh and an /etc/passwd with the non-root user `node` (uid 1000), imported with `docker import`.
 */
export async function importNodeBaseImage(docker: PrivateDocker, ref: string): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sentiops-base-'))
  try {
    const root = path.join(dir, 'rootfs')
    const node = await realpath(process.execPath)
    for (const d of ['bin', 'etc', 'tmp', 'usr/local/bin', 'app']) await mkdir(path.join(root, d), {recursive: true})
    await chmod(root, 0o755)
    await chmod(path.join(root, 'tmp'), 0o1777)
    await copyFile(node, path.join(root, 'usr/local/bin/node'))
    await chmod(path.join(root, 'usr/local/bin/node'), 0o755)
    const {stdout} = await execa('ldd', [node])
    for (const lib of stdout.matchAll(/(\/\S+\.so[^\s]*)/g)) {
      const target = path.join(root, lib[1]!)
      await mkdir(path.dirname(target), {recursive: true})
      await copyFile(await realpath(lib[1]!), target)
    }
    await copyFile('/bin/busybox', path.join(root, 'bin/busybox'))
    await chmod(path.join(root, 'bin/busybox'), 0o755)
    for (const applet of ['sh', 'ls', 'cat', 'wget']) await execa('ln', ['-s', 'busybox', path.join(root, 'bin', applet)])
    await writeFile(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000:node:/home/node:/bin/sh\n')
    await writeFile(path.join(root, 'etc/group'), 'root:x:0:\nnode:x:1000:\n')
    const tar = path.join(dir, 'base.tar')
    await execa('tar', ['-C', root, '-cf', tar, '.'])
    await execa('docker', ['import', '--change', 'ENV PATH=/usr/local/bin:/bin', tar, ref], {env: docker.env})
  } finally {
    await rm(dir, {recursive: true, force: true})
  }
}
