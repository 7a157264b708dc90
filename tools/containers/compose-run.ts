// Brings compose.yaml up with podman, as far as this machine allows: Debian's podman-compose (1.0.3) ignores
// `profiles` and the `depends_on` conditions and does not interpolate every `${VAR:-}`, so this small runner reads
// compose.yaml itself (interpolated with .env.example, as the offline checks read it) and runs each service with
// the settings it declares: image or build, command, environment, read_only, tmpfs, cap_drop, security_opt, ports,
// volumes, healthcheck and stop_grace_period, on a network of its own where services find each other by name.
// Start order follows depends_on: service_healthy waits for the container's healthcheck to pass,
// service_completed_successfully for the job to exit 0. Images from a registry are replaced by local stand-ins.
import { posix } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { composeServices, loadCompose, serviceEnv, type ComposeService } from '../check-containers/lib/compose.ts';
import { diskRepo, overlayRepo } from '../check-containers/lib/repo.ts';
import type { ServiceName } from '../dev/services.ts';
import { imageName } from './images.ts';
import { podman, PodmanError, ROOT } from './podman.ts';

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);

export interface ComposeRunOptions {
  /** Names the network, containers and volumes: `<project>-<service>`. */
  project: string;
  /** Set or override variables of .env.example (GATEWAY_PUBLISH, ...). */
  env?: Record<string, string>;
  /** Registry image (as compose.yaml names it, before the tag) → the local image that replaces it. */
  standIns: Record<string, string>;
  /** The image a service of this repository runs from (built from the Dockerfile). */
  image?: (service: ServiceName) => string;
  profiles?: string[];
  /** How long a service may take to become healthy, or a job to finish. */
  timeoutMs?: number;
}

export interface ComposeRun {
  /** The services started, in start order. */
  started: string[];
  container(service: string): string;
  /** Runs a one-shot service (a profiled job such as `acceptance`) to completion: its output and exit code. */
  runJob(service: string): Promise<{ code: number; stdout: string; stderr: string }>;
  /** `podman stop` on every running service, newest first; their exit codes. Then everything is removed. */
  down(): Promise<Map<string, number>>;
}

const seconds = (v: unknown): string | undefined => {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(String(v ?? ''));
  if (!m) return undefined;
  const n = Number(m[1]) * (m[2] === 'ms' ? 0.001 : m[2] === 'm' ? 60 : 1);
  return `${n}s`;
};

/** compose.yaml's services, interpolated with .env.example plus `env`. */
function loadServices(env: Record<string, string>): {
  services: ComposeService[];
  envMap: ReadonlyMap<string, string>;
} {
  const repo = diskRepo(ROOT);
  const extra = Object.entries(env)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
  const withEnv = overlayRepo(repo, { '.env.example': `${repo.read('.env.example')}\n${extra}\n` });
  const project = loadCompose(withEnv);
  if (project.missing.size > 0) throw new Error(`compose.yaml needs ${[...project.missing].join(', ')}`);
  return { services: composeServices(project), envMap: project.env };
}

export async function composeUp(o: ComposeRunOptions): Promise<ComposeRun> {
  const repo = diskRepo(ROOT);
  const { services, envMap } = loadServices(o.env ?? {});
  const byName = new Map(services.map((s) => [s.name, s]));
  const profiles = new Set(o.profiles ?? []);
  const enabled = (s: ComposeService) => s.profiles.length === 0 || s.profiles.some((p) => profiles.has(p));
  const network = `${o.project}-net`;
  const container = (service: string) => `${o.project}-${service}`;
  const volumes = new Set<string>();
  const created: string[] = [];
  const timeoutMs = o.timeoutMs ?? 120_000;

  const imageOf = (s: ComposeService): string => {
    if (s.service) return (o.image ?? imageName)(s.service);
    const image = String(s.def.image ?? '');
    const repoName = image.split('@')[0]?.replace(/:[^/:]+$/, '') ?? image;
    const standIn = o.standIns[repoName];
    if (!standIn) throw new Error(`${s.name}: no local stand-in for ${image} (no registry here)`);
    return standIn;
  };

  const runArgs = (s: ComposeService, detached: boolean): string[] => {
    const d = s.def;
    const args = ['run', detached ? '--detach' : '--rm', '--name', container(s.name), '--network', network];
    args.push('--network-alias', s.name);
    for (const [k, v] of serviceEnv(s, repo, envMap)) args.push('--env', `${k}=${v}`);
    if (d.read_only === true) args.push('--read-only');
    for (const t of asList(d.tmpfs)) args.push('--tmpfs', String(t));
    for (const c of asList(d.cap_drop)) args.push('--cap-drop', String(c));
    for (const so of asList(d.security_opt)) args.push('--security-opt', String(so).replace(/:true$/, ''));
    for (const p of asList(d.ports)) args.push('--publish', String(p));
    for (const v of asList(d.volumes).map(String)) {
      const [source = '', ...rest] = v.split(':');
      if (source.startsWith('.') || source.startsWith('/')) {
        args.push('--volume', [posix.join(ROOT, source), ...rest].join(':'));
      } else {
        const volume = `${o.project}-${source}`;
        volumes.add(volume);
        args.push('--volume', [volume, ...rest].join(':'));
      }
    }
    const grace = seconds(d.stop_grace_period);
    if (grace) args.push('--stop-timeout', String(Math.ceil(Number.parseFloat(grace))));
    const hc = asObj(d.healthcheck);
    if (hc.disable === true) args.push('--no-healthcheck');
    else if (hc.test !== undefined) {
      const test = asList(hc.test).map(String);
      args.push('--health-cmd', test[0] === 'CMD-SHELL' ? (test[1] ?? '') : JSON.stringify(test.slice(1)));
      for (const [key, flag] of [
        ['interval', '--health-interval'],
        ['timeout', '--health-timeout'],
        ['start_period', '--health-start-period'],
      ] as const) {
        const value = seconds(hc[key]);
        if (value) args.push(flag, value);
      }
      if (hc.retries !== undefined) args.push('--health-retries', String(hc.retries));
    }
    args.push(imageOf(s));
    if (d.command !== undefined) {
      if (!Array.isArray(d.command)) throw new Error(`${s.name}: write command as a list`);
      args.push(...d.command.map(String));
    }
    return args;
  };

  const state = async (c: string) =>
    (await podman(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', c])).trim();

  const waitFor = async (dependency: string, condition: string) => {
    const c = container(dependency);
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      last = await state(c);
      if (condition === 'service_completed_successfully') {
        if (last.startsWith('exited')) {
          if (last === 'exited 0') return;
          throw new Error(
            `${dependency} exited ${last.split(' ')[1]}:\n${await podman(['logs', '--tail', '20', c]).catch(() => '')}`,
          );
        }
      } else if (condition === 'service_healthy') {
        if (!last.startsWith('running')) throw new Error(`${dependency} is ${last} instead of healthy`);
        // Without systemd podman does not schedule healthchecks; run the probe on demand.
        if (
          await podman(['healthcheck', 'run', c]).then(
            () => true,
            () => false,
          )
        )
          return;
      } else return;
      await sleep(500);
    }
    throw new Error(`${dependency} did not become ${condition} within ${timeoutMs} ms (${last})`);
  };

  // depends_on order: a service starts once everything it depends on has met its condition.
  const order: ComposeService[] = [];
  const visit = (s: ComposeService, path: string[]) => {
    if (order.includes(s)) return;
    if (path.includes(s.name)) throw new Error(`depends_on cycle: ${[...path, s.name].join(' -> ')}`);
    for (const dep of Object.keys(asObj(s.def.depends_on))) {
      const d = byName.get(dep);
      if (d) visit(d, [...path, s.name]);
    }
    order.push(s);
  };
  for (const s of services.filter(enabled)) visit(s, []);

  const removeAll = async () => {
    for (const c of created.reverse()) await podman(['rm', '--force', '--ignore', c]).catch(() => {});
    for (const v of volumes) await podman(['volume', 'rm', '--force', v]).catch(() => {});
    await podman(['network', 'rm', '--force', network]).catch(() => {});
  };

  await podman(['network', 'create', network]);
  try {
    for (const s of order) {
      for (const [dep, cond] of Object.entries(asObj(s.def.depends_on)))
        await waitFor(dep, String(asObj(cond).condition ?? 'service_started'));
      created.push(container(s.name));
      await podman(runArgs(s, true));
    }
  } catch (err) {
    await removeAll();
    throw err;
  }

  return {
    started: order.map((s) => s.name),
    container,
    runJob: async (service) => {
      const s = byName.get(service);
      if (!s) throw new Error(`compose.yaml has no service ${service}`);
      for (const [dep, cond] of Object.entries(asObj(s.def.depends_on)))
        await waitFor(dep, String(asObj(cond).condition ?? 'service_started'));
      try {
        return { code: 0, stdout: await podman(runArgs(s, false), { timeoutMs }), stderr: '' };
      } catch (err) {
        if (!(err instanceof PodmanError)) throw err;
        return { code: err.code ?? 1, stdout: err.stdout, stderr: err.stderr };
      }
    },
    down: async () => {
      const codes = new Map<string, number>();
      for (const s of [...order].reverse()) {
        const c = container(s.name);
        if (!(await state(c)).startsWith('running')) continue;
        await podman(['stop', c], { timeoutMs: 60_000 });
        codes.set(s.name, Number((await state(c)).split(' ')[1]));
      }
      await removeAll();
      return codes;
    },
  };
}
