// The Prometheus tools the checks drive: Debian's prometheus and prometheus-alertmanager packages.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export const INSTALL_HINT = 'install with apt-get install prometheus prometheus-alertmanager';

export class MissingBinary extends Error {
  override name = 'MissingBinary';
}

/** Absolute path of a tool on PATH, or a MissingBinary error that says how to install it. */
export function requireBinary(name: 'prometheus' | 'promtool' | 'amtool' | 'prometheus-alertmanager'): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  throw new MissingBinary(`${name} not found on PATH: ${INSTALL_HINT}`);
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a tool to completion (asynchronously, so a test's other work and timers keep running). */
export function run(bin: string, args: string[], opts: { cwd?: string; input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    // A tool that exits without reading its input closes the pipe first: that is not a failure of the run.
    child.stdin.on('error', () => {});
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}
