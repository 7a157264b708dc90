// compose.yaml, checked without Docker: the compose-spec schema, then what the schema cannot know (dependencies,
// healthchecks, pinned images, published ports, and each service's environment against its config schema).
import { Ajv, type ErrorObject } from 'ajv';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, posix } from 'node:path';
import { parseDocument } from 'yaml';
import type { Finding } from './findings.ts';
import type { Repo } from './repo.ts';
import { parseEnvFile } from './env-file.ts';
import {
  DB_TOOLS_CONTRACT,
  SERVICE_CONTRACTS,
  isServiceName,
  type EnvContract,
  type ServiceName,
} from './config-schemas.ts';
import { DOCKERFILE, REGISTRY, SERVICES } from '../../dev/services.ts';
import { finalStage, lastStep, parseDockerfile } from './dockerfile.ts';

export const COMPOSE_FILE = 'compose.yaml';
export const ENV_EXAMPLE = '.env.example';

// The official compose-spec JSON schema, as shipped (and kept current) by the dclint package.
const require = createRequire(import.meta.url);
export const COMPOSE_SCHEMA_PATH = join(
  dirname(require.resolve('dclint/package.json')),
  'schemas',
  'compose.schema.json',
);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const asObj = (v: unknown): Obj => (isObj(v) ? v : {});
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);

// --- interpolation -------------------------------------------------------------------------------------------------

export interface Interpolated {
  value: string;
  /** Variables referenced. */
  used: string[];
  /** Variables referenced without a default that the env file does not set. */
  missing: string[];
}

const VAR = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** Compose's ${VAR}, ${VAR:-default}, ${VAR:?error}, ${VAR:+alt} and $$ against the given variables. */
export function interpolate(text: string, env: ReadonlyMap<string, string>): Interpolated {
  const used: string[] = [];
  const missing: string[] = [];
  const value = text.replace(
    VAR,
    (whole, braced: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined) => {
      if (whole === '$$') return '$';
      const name = braced ?? bare ?? '';
      used.push(name);
      const set = env.has(name);
      const v = env.get(name) ?? '';
      const nonEmpty = v !== '';
      switch (op) {
        case ':-':
          return nonEmpty ? v : (arg ?? '');
        case '-':
          return set ? v : (arg ?? '');
        case ':?':
          if (!nonEmpty) missing.push(name);
          return v;
        case '?':
          if (!set) missing.push(name);
          return v;
        case ':+':
          return nonEmpty ? (arg ?? '') : '';
        case '+':
          return set ? (arg ?? '') : '';
        default:
          if (!set) missing.push(name);
          return v;
      }
    },
  );
  return { value, used, missing };
}

function interpolateTree(
  v: unknown,
  env: ReadonlyMap<string, string>,
  used: Set<string>,
  missing: Set<string>,
): unknown {
  if (typeof v === 'string') {
    const r = interpolate(v, env);
    for (const u of r.used) used.add(u);
    for (const u of r.missing) missing.add(u);
    return r.value;
  }
  if (Array.isArray(v)) return v.map((x) => interpolateTree(x, env, used, missing));
  if (isObj(v))
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, interpolateTree(x, env, used, missing)]));
  return v;
}

// --- loading -------------------------------------------------------------------------------------------------------

export interface ComposeProject {
  file: string;
  text: string;
  /** As written (merge keys resolved), before interpolation. */
  raw: Obj;
  /** After interpolation with the env file. */
  resolved: Obj;
  env: ReadonlyMap<string, string>;
  envFile: string;
  used: ReadonlySet<string>;
  missing: ReadonlySet<string>;
  /** 1-based line of each top-level service key, for messages. */
  lines: Map<string, number>;
  parseErrors: string[];
}

export function loadCompose(repo: Repo, file = COMPOSE_FILE, envFile = ENV_EXAMPLE): ComposeProject {
  const text = repo.read(file);
  const doc = parseDocument(text, { merge: true, prettyErrors: true });
  const raw = asObj(doc.toJS({ maxAliasCount: 1000 }));
  const env = new Map(
    [...(repo.exists(envFile) ? parseEnvFile(repo.read(envFile)) : new Map<string, { value: string }>())].map(
      ([k, e]) => [k, e.value],
    ),
  );
  const used = new Set<string>();
  const missing = new Set<string>();
  const resolved = asObj(interpolateTree(raw, env, used, missing));
  const lines = new Map<string, number>();
  text.split('\n').forEach((l, i) => {
    const m = /^ {2}([A-Za-z0-9._-]+):\s*$/.exec(l);
    if (m?.[1] && !lines.has(m[1])) lines.set(m[1], i + 1);
  });
  return {
    file,
    text,
    raw,
    resolved,
    env,
    envFile,
    used,
    missing,
    lines,
    parseErrors: doc.errors.map((e) => e.message),
  };
}

// --- services ------------------------------------------------------------------------------------------------------

export interface ComposeService {
  name: string;
  def: Obj;
  /** Repository path of the Dockerfile it is built from, if any. */
  dockerfile: string | undefined;
  /** Its build arguments (`build.args`, as a map or a list of NAME=value). */
  buildArgs: Map<string, string>;
  /** The service whose image it runs: built from the service Dockerfile with SERVICE=<name>. */
  service: ServiceName | undefined;
  profiles: string[];
  /** Whose config schema governs its environment. */
  contract: EnvContract | undefined;
  /** `node <script>` entry points its command runs, if it overrides the image's CMD. */
  scripts: string[];
}

/** Compose's NAME: value map, or list of NAME=value (a bare NAME has no value here). */
function keyValues(v: unknown): Map<string, string> {
  if (Array.isArray(v))
    return new Map(
      v.map(String).map((item) => {
        const i = item.indexOf('=');
        return i < 0 ? [item, ''] : [item.slice(0, i), item.slice(i + 1)];
      }),
    );
  return new Map(Object.entries(asObj(v)).map(([k, x]) => [k, x === null || x === undefined ? '' : String(x)]));
}

function commandText(def: Obj): string | undefined {
  const c = def.command;
  if (c === undefined || c === null) return undefined;
  return Array.isArray(c) ? c.map(String).join(' ') : String(c);
}

export function composeServices(p: ComposeProject): ComposeService[] {
  return Object.entries(asObj(p.resolved.services)).map(([name, d]) => {
    const def = asObj(d);
    const build = def.build;
    const context = typeof build === 'string' ? build : String(asObj(build).context ?? '.');
    const dockerfileName = typeof build === 'string' ? 'Dockerfile' : String(asObj(build).dockerfile ?? 'Dockerfile');
    const dockerfile = build === undefined ? undefined : posix.normalize(posix.join(context, dockerfileName));
    const buildArgs = keyValues(asObj(build).args);
    const named = dockerfile === DOCKERFILE ? buildArgs.get('SERVICE') : undefined;
    const service = named !== undefined && isServiceName(named) ? named : undefined;
    const cmd = commandText(def);
    const scripts = [...(cmd ?? '').matchAll(/\bnode\s+(?:--\S+\s+)*([\w./-]+\.(?:ts|js|mjs|mts))/g)].map(
      (m) => m[1] ?? '',
    );
    let contract: EnvContract | undefined;
    if (service) {
      if (cmd === undefined || scripts.includes(`services/${service}/src/server.ts`))
        contract = SERVICE_CONTRACTS[service];
      else if (scripts.length > 0 && scripts.every((s) => s.startsWith('tools/db/'))) contract = DB_TOOLS_CONTRACT;
    }
    return { name, def, dockerfile, buildArgs, service, profiles: asList(def.profiles).map(String), contract, scripts };
  });
}

/** Variables a service is given: environment (map or list) and env_file entries. */
export function serviceEnv(s: ComposeService, repo: Repo, env: ReadonlyMap<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of asList(s.def.env_file)) {
    const path = typeof f === 'string' ? f : String(asObj(f).path ?? '');
    if (path && repo.exists(path))
      for (const [k, e] of parseEnvFile(repo.read(path))) out.set(k, interpolate(e.value, env).value);
  }
  const e = s.def.environment;
  if (Array.isArray(e)) {
    for (const item of e.map(String)) {
      const i = item.indexOf('=');
      if (i < 0) out.set(item, env.get(item) ?? '');
      else out.set(item.slice(0, i), item.slice(i + 1));
    }
  } else {
    for (const [k, v] of Object.entries(asObj(e))) out.set(k, v === null || v === undefined ? '' : String(v));
  }
  return out;
}

/** The image reference's tag, ignoring a registry port: undefined when there is none. */
export function imageTag(image: string): { tag: string | undefined; digest: string | undefined } {
  const [name, digest] = image.split('@');
  const last = (name ?? '').split('/').at(-1) ?? '';
  const i = last.indexOf(':');
  return { tag: i >= 0 ? last.slice(i + 1) : undefined, digest };
}

// --- rules ---------------------------------------------------------------------------------------------------------

export interface ComposeRule {
  id: string;
  summary: string;
  check(p: ComposeProject, repo: Repo): Finding[];
}

const describeAjvError = (e: ErrorObject): string => {
  const where = e.instancePath || '(top level)';
  if (e.keyword === 'additionalProperties')
    return `${where}: unknown property "${String(e.params.additionalProperty)}"`;
  if (e.keyword === 'enum')
    return `${where}: must be one of ${(e.params.allowedValues as unknown[]).map(String).join(', ')}`;
  return `${where}: ${e.message ?? e.keyword}`;
};

let validator: ReturnType<Ajv['compile']> | undefined;
function validateSchema(doc: unknown): ErrorObject[] {
  if (!validator) {
    const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
    // Its $schema names draft-07 by an https URL Ajv does not know; the draft-07 meta-schema is built in anyway.
    const { $schema: _, ...schema } = JSON.parse(readFileSync(COMPOSE_SCHEMA_PATH, 'utf8')) as Obj;
    validator = ajv.compile(schema);
  }
  return validator(doc) ? [] : [...(validator.errors ?? [])];
}

const restartPolicy = (def: Obj) => String(def.restart ?? 'no');
const hasTmp = (def: Obj) => asList(def.tmpfs).some((t) => String(t).split(':')[0] === '/tmp');

function dependsOn(def: Obj): { target: string; condition: string }[] {
  const d = def.depends_on;
  if (Array.isArray(d)) return d.map((t) => ({ target: String(t), condition: 'service_started' }));
  return Object.entries(asObj(d)).map(([target, v]) => ({
    target,
    condition: String(asObj(v).condition ?? 'service_started'),
  }));
}

function hasHealthcheck(s: ComposeService, repo: Repo): boolean {
  const hc = asObj(s.def.healthcheck);
  if (s.def.healthcheck !== undefined) return hc.disable !== true && !(Array.isArray(hc.test) && hc.test[0] === 'NONE');
  // The image's HEALTHCHECK probes the server: it means nothing for a container whose command runs something else.
  if (!s.dockerfile || !repo.exists(s.dockerfile) || !s.contract || s.contract.defaultPort === undefined) return false;
  const last = finalStage(parseDockerfile(s.dockerfile, repo.read(s.dockerfile)));
  const step = last && lastStep(last, 'HEALTHCHECK');
  return step !== undefined && !/^NONE\b/i.test(step.args);
}

export const COMPOSE_RULES: ComposeRule[] = [
  {
    id: 'compose-schema',
    summary: 'The file is valid YAML and valid against the official compose-spec JSON schema.',
    check: (p) => {
      if (p.parseErrors.length > 0)
        return p.parseErrors.map((message) => ({
          rule: 'compose-schema',
          file: p.file,
          message: `not valid YAML: ${message}`,
        }));
      // Compose validates the model after interpolation, so this does too.
      return [...new Set(validateSchema(p.resolved).map(describeAjvError))].map((message) => ({
        rule: 'compose-schema',
        file: p.file,
        message: `compose-spec: ${message}`,
      }));
    },
  },
  {
    id: 'interpolation-undefined',
    summary: `Every \${VAR} without a default is set in ${ENV_EXAMPLE}, so a copy of it is a working .env.`,
    check: (p) =>
      [...p.missing].map((name) => ({
        rule: 'interpolation-undefined',
        file: p.file,
        message: `\${${name}} has no default and ${p.envFile} does not set it: add ${name}= to ${p.envFile}.`,
      })),
  },
  {
    id: 'env-example-unused',
    summary: `Every variable in ${ENV_EXAMPLE} is used by compose.yaml: no dead settings.`,
    check: (p, repo) => {
      if (!repo.exists(p.envFile))
        return [
          {
            rule: 'env-example-unused',
            file: p.envFile,
            message: `${p.envFile} is missing: compose.yaml reads its settings from a copy of it.`,
          },
        ];
      return [...parseEnvFile(repo.read(p.envFile))]
        .filter(([k]) => !p.used.has(k))
        .map(([k, e]) => ({
          rule: 'env-example-unused',
          file: p.envFile,
          line: e.line,
          message: `${k} is not used by ${p.file}: remove it or pass it to a service.`,
        }));
    },
  },
  {
    id: 'depends-on-target',
    summary:
      'Every depends_on target is a service in the file, and a service that always runs does not wait on one behind a profile.',
    check: (p) => {
      const services = new Map(composeServices(p).map((s) => [s.name, s]));
      return [...services.values()].flatMap((s) =>
        dependsOn(s.def).flatMap(({ target }) => {
          const t = services.get(target);
          const at = { rule: 'depends-on-target', file: p.file, line: p.lines.get(s.name) };
          if (!t) return [{ ...at, message: `${s.name} depends on "${target}", which is not a service in this file.` }];
          if (s.profiles.length === 0 && t.profiles.length > 0) {
            return [
              {
                ...at,
                message: `${s.name} always runs but depends on ${target}, which only runs with --profile ${t.profiles.join('/')}.`,
              },
            ];
          }
          return [];
        }),
      );
    },
  },
  {
    id: 'depends-on-condition',
    summary:
      'service_healthy waits on a service that has a healthcheck; service_completed_successfully on a one-shot job that is not restarted.',
    check: (p, repo) => {
      const services = new Map(composeServices(p).map((s) => [s.name, s]));
      return [...services.values()].flatMap((s) =>
        dependsOn(s.def).flatMap(({ target, condition }) => {
          const t = services.get(target);
          if (!t) return [];
          const at = { rule: 'depends-on-condition', file: p.file, line: p.lines.get(s.name) };
          if (condition === 'service_healthy' && !hasHealthcheck(t, repo)) {
            return [
              {
                ...at,
                message: `${s.name} waits for ${target} to be healthy, but ${target} has no healthcheck (in compose or its Dockerfile), so it never will be.`,
              },
            ];
          }
          if (
            condition === 'service_completed_successfully' &&
            ['always', 'unless-stopped'].includes(restartPolicy(t.def))
          ) {
            return [
              {
                ...at,
                message: `${s.name} waits for ${target} to complete, but restart: ${restartPolicy(t.def)} restarts it forever.`,
              },
            ];
          }
          return [];
        }),
      );
    },
  },
  {
    id: 'image-pinned',
    summary: 'Every image has an explicit version tag (or digest); none is `latest`.',
    check: (p) =>
      composeServices(p).flatMap((s) => {
        if (s.def.image === undefined) return [];
        const image = String(s.def.image);
        const { tag, digest } = imageTag(image);
        const at = { rule: 'image-pinned', file: p.file, line: p.lines.get(s.name) };
        if (!tag && !digest)
          return [{ ...at, message: `${s.name}: image "${image}" has no tag, which means latest: pin a version.` }];
        if (tag === 'latest')
          return [
            { ...at, message: `${s.name}: image "${image}" uses latest, which changes under you: pin a version.` },
          ];
        return [];
      }),
  },
  {
    id: 'build-dockerfile',
    summary: 'Every build points at a Dockerfile that exists.',
    check: (p, repo) =>
      composeServices(p)
        .filter((s) => s.dockerfile !== undefined && !repo.exists(s.dockerfile))
        .map((s) => ({
          rule: 'build-dockerfile',
          file: p.file,
          line: p.lines.get(s.name),
          message: `${s.name} builds ${s.dockerfile ?? ''}, which does not exist.`,
        })),
  },
  {
    id: 'build-args',
    summary: `Every build of the service ${DOCKERFILE} names a service (SERVICE) and gives the build arguments tools/dev/services.ts lists for it (PORT).`,
    check: (p) =>
      composeServices(p).flatMap((s) => {
        if (s.dockerfile !== DOCKERFILE) return [];
        const at = { rule: 'build-args', file: p.file, line: p.lines.get(s.name) };
        if (!s.service)
          return [
            {
              ...at,
              message: `${s.name} builds ${DOCKERFILE} with SERVICE=${s.buildArgs.get('SERVICE') ?? '(unset)'}: name one of ${SERVICES.join(', ')}.`,
            },
          ];
        const service = s.service;
        return Object.entries(REGISTRY[service].imageArgs)
          .filter(([k, v]) => s.buildArgs.get(k) !== v)
          .map(([k, v]) => ({
            ...at,
            message: `${s.name} builds the ${service} image with ${k}=${s.buildArgs.get(k) ?? '(unset)'}, but ${service} needs ${k}=${v}.`,
          }));
      }),
  },
  {
    id: 'env-declared',
    summary:
      "Every variable a service is given is declared in that service's config schema (services/<name>/src/config.ts).",
    check: (p, repo) =>
      composeServices(p).flatMap((s) => {
        if (!s.contract) return [];
        const accepted = s.contract.accepted;
        return [...serviceEnv(s, repo, p.env).keys()]
          .filter((k) => !accepted.has(k))
          .map((k) => ({
            rule: 'env-declared',
            file: p.file,
            line: p.lines.get(s.name),
            message: `${s.name} is given ${k}, which ${s.contract?.reader ?? 'it'} does not declare: a typo, or a setting that silently does nothing.`,
          }));
      }),
  },
  {
    id: 'env-required',
    summary: 'Every variable a service requires (no default in its schema) is set, directly or as <NAME>_FILE.',
    check: (p, repo) =>
      composeServices(p).flatMap((s) => {
        if (!s.contract) return [];
        const env = serviceEnv(s, repo, p.env);
        return s.contract.required
          .filter((k) => !env.get(k) && !env.get(`${k}_FILE`))
          .map((k) => ({
            rule: 'env-required',
            file: p.file,
            line: p.lines.get(s.name),
            message: `${s.name} does not set ${k}, which ${s.contract?.reader ?? 'it'} requires: it would exit at start.`,
          }));
      }),
  },
  {
    id: 'env-secret-literal',
    summary: `Secrets come from ${ENV_EXAMPLE} (a .env copy), never written into compose.yaml.`,
    check: (p) =>
      composeServices(p).flatMap((s) => {
        if (!s.contract) return [];
        const written = asObj(asObj(asObj(p.raw.services)[s.name]).environment);
        return Object.entries(written)
          .filter(([k, v]) => s.contract?.secrets.has(k) && typeof v === 'string' && v !== '' && !v.includes('${'))
          .map(([k]) => ({
            rule: 'env-secret-literal',
            file: p.file,
            line: p.lines.get(s.name),
            message: `${s.name}: ${k} is written into ${p.file}: use \${${k}} and set it in ${p.envFile}.`,
          }));
      }),
  },
  {
    id: 'service-url',
    summary: 'URLs a service is given for another service name a compose service at the port it listens on.',
    check: (p, repo) => {
      const services = composeServices(p);
      const byName = new Map(services.map((s) => [s.name, s]));
      return services.flatMap((s) => {
        if (!s.contract) return [];
        return [...serviceEnv(s, repo, p.env)]
          .filter(([k, v]) => k.endsWith('_URL') && /^https?:\/\//.test(v))
          .flatMap(([k, v]) => {
            const url = new URL(v);
            const target = byName.get(url.hostname);
            const at = { rule: 'service-url', file: p.file, line: p.lines.get(s.name) };
            if (!target) return [{ ...at, message: `${s.name}: ${k}=${v} names no service in this file.` }];
            const port = target.contract?.defaultPort;
            const given = serviceEnv(target, repo, p.env).get('PORT');
            const listens = given ? Number(given) : port;
            if (listens !== undefined && Number(url.port || 80) !== listens)
              return [{ ...at, message: `${s.name}: ${k}=${v}, but ${target.name} listens on ${listens}.` }];
            if (target.profiles.length > 0 && s.profiles.length === 0)
              return [{ ...at, message: `${s.name}: ${k} points at ${target.name}, which only runs with a profile.` }];
            return [];
          });
      });
    },
  },
  {
    id: 'published-ports',
    summary: 'Of the services that always run, only the gateway publishes a port.',
    check: (p) =>
      composeServices(p)
        .filter((s) => s.profiles.length === 0 && asList(s.def.ports).length > 0 && s.service !== 'gateway')
        .map((s) => ({
          rule: 'published-ports',
          file: p.file,
          line: p.lines.get(s.name),
          message: `${s.name} publishes ${asList(s.def.ports).map(String).join(', ')}: only the gateway is reachable from outside.`,
        })),
  },
  {
    id: 'read-only',
    summary: 'Containers built from our Dockerfile run with a read-only root filesystem and a tmpfs /tmp.',
    check: (p) =>
      composeServices(p)
        .filter((s) => s.dockerfile !== undefined && (s.def.read_only !== true || !hasTmp(s.def)))
        .map((s) => ({
          rule: 'read-only',
          file: p.file,
          line: p.lines.get(s.name),
          message: `${s.name}: set read_only: true and tmpfs: [/tmp], as the cluster does.`,
        })),
  },
  {
    id: 'bind-mounts',
    summary: 'Every file or folder mounted from the repository exists.',
    check: (p, repo) =>
      composeServices(p).flatMap((s) =>
        asList(s.def.volumes).flatMap((v) => {
          const source = typeof v === 'string' ? (v.split(':')[0] ?? '') : String(asObj(v).source ?? '');
          if (!source.startsWith('./') && !source.startsWith('../')) return [];
          return repo.exists(posix.normalize(source))
            ? []
            : [
                {
                  rule: 'bind-mounts',
                  file: p.file,
                  line: p.lines.get(s.name),
                  message: `${s.name} mounts ${source}, which does not exist in the repository.`,
                },
              ];
        }),
      ),
  },
];

export function checkCompose(repo: Repo, file = COMPOSE_FILE, envFile = ENV_EXAMPLE, rules = COMPOSE_RULES): Finding[] {
  const p = loadCompose(repo, file, envFile);
  return rules.flatMap((r) => r.check(p, repo));
}
