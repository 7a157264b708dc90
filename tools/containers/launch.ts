// Runs a service from its image the way the chart and compose.yaml do: as the image's user, read-only root, a tmpfs
// /tmp, no capabilities, no privilege escalation. The container shares the host's network namespace, so it reaches
// the machine's PostgreSQL and Redis on 127.0.0.1 exactly as `npm start` does (they listen on loopback only, which a
// bridged container cannot reach), and the stack's ports and URLs work unchanged.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { acceptedEnvNames } from '@shipshape/platform/config';
import type { Launcher } from '../dev/stack.ts';
import { REGISTRY, type ServiceName } from '../dev/services.ts';
import { podman, spawnPodman } from './podman.ts';

/** The hardening compose.yaml and the chart apply to every service container. */
export const HARDENING = [
  '--read-only',
  '--tmpfs',
  '/tmp',
  '--cap-drop',
  'ALL',
  '--security-opt',
  'no-new-privileges',
] as const;

/** Only the variables the service's config schema declares: what compose and the chart can hand it. */
export function envArgs(name: ServiceName, env: NodeJS.ProcessEnv): string[] {
  const accepted = new Set(acceptedEnvNames(REGISTRY[name].config));
  return Object.entries(env).flatMap(([k, v]) => (accepted.has(k) && v !== undefined ? ['--env', `${k}=${v}`] : []));
}

export function containerName(name: string): string {
  return `shipshape-${name}-${randomBytes(3).toString('hex')}`;
}

export interface ServiceContainers {
  launch: Launcher;
  /** The container each service runs in (the latest, after a restart), and the `podman run` client attached to it. */
  running: Map<ServiceName, { container: string; client: ChildProcess }>;
  /** Removes every container this launcher started that is still there. */
  removeAll(): Promise<void>;
}

/**
 * A stack launcher that runs `podman run` in the foreground: its output is the container's, its exit code the
 * container's, and a SIGTERM sent to it is proxied to the container's PID 1 (tini), which hands it to node.
 */
export function containerLauncher(image: (name: ServiceName) => string): ServiceContainers {
  const running: ServiceContainers['running'] = new Map();
  const all = new Set<string>();
  const launch: Launcher = (name, env) => {
    const container = containerName(name);
    all.add(container);
    const client = spawnPodman([
      'run',
      '--rm',
      '--name',
      container,
      '--network',
      'host',
      ...HARDENING,
      ...envArgs(name, env),
      image(name),
    ]);
    running.set(name, { container, client });
    return client;
  };
  return {
    launch,
    running,
    removeAll: async () => {
      for (const c of all) await podman(['rm', '--force', '--ignore', c]).catch(() => {});
    },
  };
}
