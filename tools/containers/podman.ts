// Every podman call goes through here: the repository's containers.conf (cgroupfs, no default rlimits) and runc, which
// is what works on hosts like the CI machine (hybrid cgroups v1, no systemd); elsewhere they are harmless.
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
export const CONTAINERS_CONF = join(ROOT, 'deploy', 'containers', 'containers.conf');

const env = () => ({ ...process.env, CONTAINERS_CONF: process.env.CONTAINERS_CONF ?? CONTAINERS_CONF });
const withRuntime = (args: string[]) => ['--runtime', 'runc', ...args];

export class PodmanError extends Error {
  readonly args: string[];
  readonly code: number | null;
  readonly stderr: string;
  readonly stdout: string;
  constructor(args: string[], code: number | null, stderr: string, stdout = '') {
    super(`podman ${args.join(' ')} exited ${code}: ${stderr.trim().split('\n').slice(-8).join('\n')}`);
    this.args = args;
    this.code = code;
    this.stderr = stderr;
    this.stdout = stdout;
  }
}

/** Whether `podman` runs here at all. */
export function podmanAvailable(): boolean {
  const r = spawnSync('podman', withRuntime(['version', '--format', '{{.Client.Version}}']), { env: env() });
  return !r.error && r.status === 0;
}

/** Runs podman to completion; resolves with stdout, rejects with the tail of stderr. */
export function podman(args: string[], o: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'podman',
      withRuntime(args),
      { env: env(), maxBuffer: 64 * 1024 * 1024, timeout: o.timeoutMs ?? 600_000 },
      (err, stdout, stderr) => {
        if (err)
          reject(new PodmanError(args, typeof err.code === 'number' ? err.code : null, `${stderr}`, `${stdout}`));
        else resolve(stdout);
      },
    );
    if (o.input !== undefined) child.stdin?.end(o.input);
  });
}

/** Starts podman in the background with its output piped to the caller (a container run attached, as a service). */
export function spawnPodman(args: string[]): ChildProcess {
  return spawn('podman', withRuntime(args), { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs podman with its output streamed to ours (builds), optionally with a file fed to stdin. */
export function podmanStreaming(args: string[], o: { stdinFile?: number } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('podman', withRuntime(args), {
      env: env(),
      stdio: [o.stdinFile ?? 'ignore', 2, 2],
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new PodmanError(args, code, ''))));
  });
}

export async function imageExists(ref: string): Promise<boolean> {
  try {
    await podman(['image', 'exists', ref]);
    return true;
  } catch {
    return false;
  }
}
