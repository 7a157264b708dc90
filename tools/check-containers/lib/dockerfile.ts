// A Dockerfile as stages of steps (parsed by dockerfile-ast), and the lint rules run over it.
import { DockerfileParser, From, type Instruction, ModifiableInstruction, PropertyInstruction } from 'dockerfile-ast';
import type { Finding } from './findings.ts';
import { SECRET_ENV_NAMES } from './config-schemas.ts';

export interface Step {
  keyword: string;
  /** 1-based. */
  line: number;
  /** The arguments as written, without flags, continuations joined. */
  args: string;
  /** Whitespace-separated words of `args`. */
  words: string[];
  flags: Map<string, string | null>;
  /** Exec form (`["a", "b"]`), when the arguments are a JSON array of strings. */
  json: string[] | undefined;
  /** NAME=value pairs of ENV, ARG and LABEL. */
  properties: { name: string; value: string | null }[];
}

export interface Stage {
  index: number;
  name: string | undefined;
  /** The FROM image as written, e.g. node:24.13.0-bookworm-slim@sha256:... */
  image: string;
  imageName: string;
  tag: string | undefined;
  digest: string | undefined;
  line: number;
  steps: Step[];
}

export interface DockerfileModel {
  file: string;
  text: string;
  /** ARGs before the first FROM. */
  globalArgs: Step[];
  stages: Stage[];
}

function parseJsonArray(args: string): string[] | undefined {
  const trimmed = args.trim();
  if (!trimmed.startsWith('[')) return undefined;
  try {
    const value: unknown = JSON.parse(trimmed);
    return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
  } catch {
    return undefined;
  }
}

function toStep(i: Instruction): Step {
  const args = (i.getArgumentsContent() ?? '').trim();
  const flags = new Map<string, string | null>();
  if (i instanceof ModifiableInstruction) for (const f of i.getFlags()) flags.set(f.getName(), f.getValue());
  const properties =
    i instanceof PropertyInstruction
      ? i
          .getProperties()
          .map((p) => ({ name: p.getName(), value: p.getValue() === null ? null : p.getUnescapedValue() }))
      : [];
  return {
    keyword: i.getKeyword().toUpperCase(),
    line: i.getRange().start.line + 1,
    args,
    words: args.split(/\s+/).filter(Boolean),
    flags,
    json: parseJsonArray(args),
    properties,
  };
}

/** The FROM of `image` with `$NAME`/`${NAME}` replaced by the defaults of the global ARGs. */
function resolvesArgs(image: string, globalArgs: Step[]): From {
  const defaults = new Map(globalArgs.flatMap((s) => s.properties).map((p) => [p.name, p.value ?? '']));
  const resolved = image.replace(/\$\{?(\w+)\}?/g, (whole, name: string) => defaults.get(name) ?? whole);
  const from = DockerfileParser.parse(`FROM ${resolved}`).getInstructions()[0];
  if (!(from instanceof From)) throw new Error(`cannot parse FROM ${resolved}`);
  return from;
}

export function parseDockerfile(file: string, text: string): DockerfileModel {
  const ast = DockerfileParser.parse(text);
  const model: DockerfileModel = { file, text, globalArgs: [], stages: [] };
  let current: Stage | undefined;
  for (const i of ast.getInstructions()) {
    const step = toStep(i);
    if (i instanceof From) {
      // FROM ${NODE_BASE}: judged by the default of the ARG before the first FROM, as a plain build would use it.
      const from = resolvesArgs(i.getImage() ?? '', model.globalArgs);
      current = {
        index: model.stages.length,
        name: i.getBuildStage() ?? undefined,
        image: from.getImage() ?? '',
        imageName: from.getImageName() ?? '',
        tag: from.getImageTag() ?? undefined,
        digest: from.getImageDigest() ?? undefined,
        line: step.line,
        steps: [],
      };
      model.stages.push(current);
    } else if (current) {
      current.steps.push(step);
    } else {
      model.globalArgs.push(step);
    }
  }
  return model;
}

export const finalStage = (m: DockerfileModel): Stage | undefined => m.stages.at(-1);

/** The instruction of this kind that takes effect in a stage: the last one. */
export const lastStep = (stage: Stage, keyword: string): Step | undefined =>
  stage.steps.filter((s) => s.keyword === keyword).at(-1);

/** The stage a `--from=` or FROM refers to, if it names an earlier stage (by name or index). */
export function findStage(m: DockerfileModel, ref: string, before: number): Stage | undefined {
  return m.stages.find(
    (s) => s.index < before && (s.name?.toLowerCase() === ref.toLowerCase() || String(s.index) === ref),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Rules. DLxxxx ids follow hadolint's, so their documentation applies; the others are Shipshape's own.

export interface DockerfileRule {
  id: string;
  summary: string;
  check(m: DockerfileModel): Finding[];
}

type At = { line: number };
const finding = (m: DockerfileModel, rule: string, at: At | undefined, message: string): Finding => ({
  rule,
  file: m.file,
  line: at?.line,
  message,
});

const steps = (m: DockerfileModel, keyword: string): { stage: Stage; step: Step }[] =>
  m.stages.flatMap((stage) => stage.steps.filter((s) => s.keyword === keyword).map((step) => ({ stage, step })));

/** The shell command of a RUN, whichever form it is written in. */
const runCommand = (s: Step): string => (s.json ? s.json.join(' ') : s.args);

/** Shell commands of a RUN split on && ; || and | so each can be looked at alone. */
const commands = (s: Step): string[][] =>
  runCommand(s)
    .split(/&&|\|\||;|\|/)
    .map((c) => c.trim().split(/\s+/).filter(Boolean))
    .filter((c) => c.length > 0);

const isStageRef = (m: DockerfileModel, stage: Stage) => findStage(m, stage.image, stage.index) !== undefined;

const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL|ACCESS_?KEY)/i;
const CREDENTIAL_IN_URL = /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i;
const REQUIRED_LABELS = [
  'org.opencontainers.image.title',
  'org.opencontainers.image.description',
  'org.opencontainers.image.licenses',
  'org.opencontainers.image.version',
  'org.opencontainers.image.revision',
];
const INITS = ['tini', 'dumb-init'];

/** A program that has no place in a RUN command. */
function noProgramInRun(id: string, program: string, summary: string, message: string): DockerfileRule {
  return {
    id,
    summary,
    check: (m) =>
      steps(m, 'RUN')
        .filter(({ step }) => commands(step).some((c) => c[0] === program))
        .map(({ step }) => finding(m, id, step, message)),
  };
}

/** Only the last of several CMD / ENTRYPOINT / HEALTHCHECK in a stage takes effect: the others mislead a reader. */
function atMostOnePerStage(id: string, keyword: string): DockerfileRule {
  return {
    id,
    summary: `At most one ${keyword} per stage.`,
    check: (m) =>
      m.stages.flatMap((stage) =>
        stage.steps
          .filter((s) => s.keyword === keyword)
          .slice(1)
          .map((s) => finding(m, id, s, `a second ${keyword} in this stage: only the last one takes effect.`)),
      ),
  };
}

export const DOCKERFILE_RULES: DockerfileRule[] = [
  {
    id: 'DL3006',
    summary: 'Every base image names a tag.',
    check: (m) =>
      m.stages
        .filter((s) => !isStageRef(m, s) && s.image !== 'scratch' && !s.tag && !s.digest)
        .map((s) =>
          finding(
            m,
            'DL3006',
            s,
            `FROM ${s.image} has no tag: pin a version, e.g. ${s.imageName}:<version>@sha256:<digest>.`,
          ),
        ),
  },
  {
    id: 'DL3007',
    summary: 'No base image uses the `latest` tag.',
    check: (m) =>
      m.stages
        .filter((s) => s.tag === 'latest')
        .map((s) => finding(m, 'DL3007', s, `FROM ${s.image} uses "latest", which changes under you: pin a version.`)),
  },
  {
    id: 'base-image-digest',
    summary: 'Every external base image is pinned by digest as well as tag, so a rebuild gets the same bytes.',
    check: (m) =>
      m.stages
        .filter((s) => !isStageRef(m, s) && s.image !== 'scratch' && !s.digest)
        .map((s) =>
          finding(
            m,
            'base-image-digest',
            s,
            `FROM ${s.image} is not pinned by digest: append @sha256:<digest> (docker buildx imagetools inspect ${s.image}).`,
          ),
        ),
  },
  {
    id: 'DL3024',
    summary: 'Stage names are unique.',
    check: (m) => {
      const seen = new Set<string>();
      return m.stages.flatMap((s) => {
        const name = s.name?.toLowerCase();
        if (!name) return [];
        if (seen.has(name))
          return [finding(m, 'DL3024', s, `stage name "${s.name}" is used twice: COPY --from would be ambiguous.`)];
        seen.add(name);
        return [];
      });
    },
  },
  {
    id: 'multi-stage',
    summary: 'The image is built in stages and the final stage takes its dependencies from an earlier one.',
    check: (m) => {
      const last = finalStage(m);
      if (!last) return [finding(m, 'multi-stage', undefined, 'no FROM: this is not a Dockerfile.')];
      const copiesFromStage = last.steps.some(
        (s) => s.keyword === 'COPY' && findStage(m, s.flags.get('from') ?? '', last.index),
      );
      return m.stages.length > 1 && copiesFromStage
        ? []
        : [
            finding(
              m,
              'multi-stage',
              last,
              'single-stage build: install dependencies in an earlier stage and COPY --from it, so build tools and caches stay out of the image.',
            ),
          ];
    },
  },
  {
    id: 'DL3000',
    summary: 'WORKDIR is absolute.',
    check: (m) =>
      steps(m, 'WORKDIR')
        .filter(({ step }) => !step.args.startsWith('/') && !step.args.startsWith('$'))
        .map(({ step }) => finding(m, 'DL3000', step, `WORKDIR ${step.args} is relative: use an absolute path.`)),
  },
  noProgramInRun('DL3003', 'cd', 'RUN does not cd; WORKDIR does.', 'RUN uses cd: use WORKDIR to change directory.'),
  noProgramInRun('DL3004', 'sudo', 'No sudo.', 'RUN uses sudo: build steps already run as the USER in effect.'),
  noProgramInRun(
    'DL3027',
    'apt',
    'apt-get, not apt, in scripts.',
    'RUN uses apt, whose CLI is not stable for scripts: use apt-get.',
  ),
  {
    id: 'DL3008',
    summary: 'apt-get install pins package versions.',
    check: (m) =>
      steps(m, 'RUN').flatMap(({ step }) =>
        commands(step)
          .filter((c) => c[0] === 'apt-get' && c.includes('install'))
          .flatMap((c) => c.slice(c.indexOf('install') + 1).filter((w) => !w.startsWith('-') && !w.includes('=')))
          .map((pkg) => finding(m, 'DL3008', step, `apt-get install ${pkg} is not pinned: write ${pkg}=<version>.`)),
      ),
  },
  {
    id: 'DL3014',
    summary: 'apt-get install runs non-interactively (-y).',
    check: (m) =>
      steps(m, 'RUN')
        .filter(({ step }) =>
          commands(step).some(
            (c) =>
              c[0] === 'apt-get' &&
              c.includes('install') &&
              !c.some((w) => ['-y', '--yes', '-qy', '-yq', '--assume-yes'].includes(w)),
          ),
        )
        .map(({ step }) =>
          finding(m, 'DL3014', step, 'apt-get install without -y waits for an answer that never comes: add -y.'),
        ),
  },
  {
    id: 'DL3015',
    summary: 'apt-get install skips recommended packages.',
    check: (m) =>
      steps(m, 'RUN')
        .filter(({ step }) =>
          commands(step).some(
            (c) => c[0] === 'apt-get' && c.includes('install') && !c.includes('--no-install-recommends'),
          ),
        )
        .map(({ step }) =>
          finding(m, 'DL3015', step, 'apt-get install pulls in recommended packages: add --no-install-recommends.'),
        ),
  },
  {
    id: 'DL3009',
    summary: 'apt lists are deleted in the same RUN that fetched them.',
    check: (m) =>
      steps(m, 'RUN')
        .filter(
          ({ step }) =>
            /\bapt-get\s+(-\S+\s+)*update\b/.test(runCommand(step)) &&
            !/rm\s+-r?f?r?\s+\/var\/lib\/apt\/lists/.test(runCommand(step)),
        )
        .map(({ step }) =>
          finding(
            m,
            'DL3009',
            step,
            'apt-get update leaves /var/lib/apt/lists in the layer: end the RUN with rm -rf /var/lib/apt/lists/*.',
          ),
        ),
  },
  {
    id: 'DL4006',
    summary: 'A RUN with a pipe sets -o pipefail, so a failing command before the pipe fails the build.',
    check: (m) =>
      m.stages.flatMap((stage) => {
        let pipefail = false;
        return stage.steps.flatMap((step) => {
          if (step.keyword === 'SHELL')
            pipefail = (step.json ?? []).includes('pipefail') || step.args.includes('pipefail');
          if (step.keyword !== 'RUN' || step.json) return [];
          const hasPipe = /(^|[^|])\|([^|]|$)/.test(step.args);
          return hasPipe && !pipefail && !/set\s+-[a-z]*o\s+pipefail|set\s+-o\s+pipefail/.test(step.args)
            ? [
                finding(
                  m,
                  'DL4006',
                  step,
                  'RUN pipes without pipefail: add SHELL ["/bin/sh", "-o", "pipefail", "-c"] (bash) or set -o pipefail first.',
                ),
              ]
            : [];
        });
      }),
  },
  {
    id: 'DL3020',
    summary: 'COPY, not ADD, for files and folders.',
    check: (m) =>
      steps(m, 'ADD')
        .filter(({ step }) => {
          const sources = (step.json ?? step.words).slice(0, -1);
          return sources.some(
            (src) => !/^(https?|git):\/\/|^git@/.test(src) && !/\.(tar|tar\.gz|tgz|tar\.bz2|tar\.xz|txz)$/.test(src),
          );
        })
        .map(({ step }) =>
          finding(
            m,
            'DL3020',
            step,
            `ADD ${step.args}: use COPY for local files; ADD's extra behaviour (archives, URLs) surprises.`,
          ),
        ),
  },
  {
    id: 'no-remote-add',
    summary: 'No ADD from a URL or git: what it fetches is not pinned or checked.',
    check: (m) =>
      steps(m, 'ADD')
        .filter(({ step }) =>
          (step.json ?? step.words).slice(0, -1).some((src) => /^(https?|git):\/\/|^git@/.test(src)),
        )
        .map(({ step }) =>
          finding(
            m,
            'no-remote-add',
            step,
            `ADD fetches ${(step.json ?? step.words)[0]} at build time: download it in a build stage with a checksum, or install it from a package.`,
          ),
        ),
  },
  {
    id: 'DL3021',
    summary: 'COPY with several sources copies into a folder (destination ends with /).',
    check: (m) =>
      [...steps(m, 'COPY'), ...steps(m, 'ADD')]
        .filter(({ step }) => {
          const args = step.json ?? step.words;
          return args.length > 2 && !(args.at(-1) ?? '').endsWith('/');
        })
        .map(({ step }) =>
          finding(m, 'DL3021', step, `${step.keyword} with several sources needs a destination ending in /.`),
        ),
  },
  {
    id: 'DL3022',
    summary: 'COPY --from names an earlier stage.',
    check: (m) =>
      m.stages.flatMap((stage) =>
        stage.steps
          .filter((s) => s.keyword === 'COPY' && s.flags.has('from'))
          .filter((s) => {
            const ref = s.flags.get('from') ?? '';
            return !findStage(m, ref, stage.index) && !ref.includes(':');
          })
          .map((s) =>
            finding(
              m,
              'DL3022',
              s,
              `COPY --from=${s.flags.get('from') ?? ''} names no earlier stage: define it with FROM ... AS ${s.flags.get('from') ?? ''} first.`,
            ),
          ),
      ),
  },
  {
    id: 'DL3025',
    summary: 'CMD and ENTRYPOINT use the exec (JSON) form, so signals reach the process.',
    check: (m) =>
      [...steps(m, 'CMD'), ...steps(m, 'ENTRYPOINT')]
        .filter(({ step }) => !step.json)
        .map(({ step }) =>
          finding(
            m,
            'DL3025',
            step,
            `${step.keyword} ${step.args} is in shell form: write ${step.keyword} ["...", "..."] so SIGTERM reaches the process.`,
          ),
        ),
  },
  atMostOnePerStage('DL4003', 'CMD'),
  atMostOnePerStage('DL4004', 'ENTRYPOINT'),
  atMostOnePerStage('DL3012', 'HEALTHCHECK'),
  {
    id: 'DL4000',
    summary: 'No MAINTAINER (deprecated): use a label.',
    check: (m) =>
      steps(m, 'MAINTAINER').map(({ step }) =>
        finding(m, 'DL4000', step, 'MAINTAINER is deprecated: use LABEL org.opencontainers.image.authors=...'),
      ),
  },
  {
    id: 'DL3011',
    summary: 'EXPOSE names valid ports.',
    check: (m) =>
      steps(m, 'EXPOSE').flatMap(({ step }) =>
        step.words
          .filter((w) => {
            const port = Number(w.split('/')[0]);
            return !w.startsWith('$') && !(Number.isInteger(port) && port >= 0 && port <= 65535);
          })
          .map((w) => finding(m, 'DL3011', step, `EXPOSE ${w} is not a valid port (0-65535).`)),
      ),
  },
  {
    id: 'non-root-user',
    summary: 'The final stage runs as a numeric, non-root USER, so Kubernetes runAsNonRoot can verify it.',
    check: (m) => {
      const last = finalStage(m);
      if (!last) return [];
      const user = lastStep(last, 'USER');
      if (!user)
        return [
          finding(
            m,
            'non-root-user',
            last,
            'the final stage sets no USER, so the container runs as root: add USER 10001:10001.',
          ),
        ];
      const [uid, gid] = user.args.split(':');
      if (!/^\d+$/.test(uid ?? '') || (gid !== undefined && !/^\d+$/.test(gid))) {
        return [
          finding(
            m,
            'non-root-user',
            user,
            `USER ${user.args} is not numeric: runAsNonRoot cannot verify a name; use USER 10001:10001.`,
          ),
        ];
      }
      if (Number(uid) === 0)
        return [finding(m, 'non-root-user', user, `USER ${user.args} is root: use an unprivileged id such as 10001.`)];
      return [];
    },
  },
  {
    id: 'healthcheck',
    summary: 'The final stage declares a HEALTHCHECK.',
    check: (m) => {
      const last = finalStage(m);
      if (!last) return [];
      const hc = lastStep(last, 'HEALTHCHECK');
      if (!hc)
        return [
          finding(
            m,
            'healthcheck',
            last,
            'no HEALTHCHECK: docker and compose cannot tell a hung process from a healthy one.',
          ),
        ];
      if (/^NONE\b/i.test(hc.args))
        return [finding(m, 'healthcheck', hc, 'HEALTHCHECK NONE disables the check: probe /health instead.')];
      return [];
    },
  },
  {
    id: 'init-pid1',
    summary: 'tini or dumb-init runs as PID 1, forwarding signals and reaping zombies.',
    check: (m) => {
      const last = finalStage(m);
      if (!last) return [];
      const ep = lastStep(last, 'ENTRYPOINT');
      const program = ep?.json?.[0] ?? ep?.words[0] ?? '';
      return INITS.includes(program.split('/').at(-1) ?? '')
        ? []
        : [
            finding(
              m,
              'init-pid1',
              ep ?? last,
              `ENTRYPOINT ${ep ? ep.args : '(none)'} does not start an init: use ENTRYPOINT ["/usr/bin/tini", "--"] so node is not PID 1.`,
            ),
          ];
    },
  },
  {
    id: 'oci-labels',
    summary: `The final stage carries the OCI labels ${REQUIRED_LABELS.map((l) => l.replace('org.opencontainers.image.', '')).join(', ')}.`,
    check: (m) => {
      const last = finalStage(m);
      if (!last) return [];
      const present = new Set(
        last.steps.filter((s) => s.keyword === 'LABEL').flatMap((s) => s.properties.map((p) => p.name)),
      );
      const missing = REQUIRED_LABELS.filter((l) => !present.has(l));
      return missing.length === 0 ? [] : [finding(m, 'oci-labels', last, `missing OCI labels: ${missing.join(', ')}.`)];
    },
  },
  {
    id: 'no-secrets-in-env-or-arg',
    summary: 'No secret in ENV or ARG: both are kept in the image history. Secrets come from the runtime environment.',
    check: (m) =>
      [...m.globalArgs.map((step) => ({ step })), ...steps(m, 'ENV'), ...steps(m, 'ARG')].flatMap(({ step }) =>
        step.properties.flatMap((p) => {
          if (p.name.endsWith('_FILE')) return [];
          if (SECRET_ENV_NAMES.has(p.name) || SECRET_NAME.test(p.name)) {
            return [
              finding(
                m,
                'no-secrets-in-env-or-arg',
                step,
                `${step.keyword} ${p.name} would keep a secret in the image history: pass it at run time (or ${p.name}_FILE), or use RUN --mount=type=secret for builds.`,
              ),
            ];
          }
          if (p.value && CREDENTIAL_IN_URL.test(p.value)) {
            return [
              finding(
                m,
                'no-secrets-in-env-or-arg',
                step,
                `${step.keyword} ${p.name} holds a URL with a password: pass it at run time.`,
              ),
            ];
          }
          return [];
        }),
      ),
  },
  {
    id: 'production-dependencies',
    summary: 'Dependencies are installed with npm ci --omit=dev: the lockfile decides, and dev tools stay out.',
    check: (m) =>
      steps(m, 'RUN').flatMap(({ step }) =>
        commands(step)
          .filter((c) => c[0] === 'npm' && ['install', 'i', 'ci', 'add'].includes(c[1] ?? ''))
          .flatMap((c) => {
            if (c[1] !== 'ci')
              return [
                finding(
                  m,
                  'production-dependencies',
                  step,
                  `npm ${c[1] ?? ''} ignores the lockfile's exact tree: use npm ci --omit=dev.`,
                ),
              ];
            if (!c.includes('--omit=dev') && !(c.includes('--omit') && c[c.indexOf('--omit') + 1] === 'dev')) {
              return [
                finding(m, 'production-dependencies', step, 'npm ci installs dev dependencies too: add --omit=dev.'),
              ];
            }
            return [];
          }),
      ),
  },
];

export function lintDockerfile(m: DockerfileModel, rules = DOCKERFILE_RULES): Finding[] {
  return rules.flatMap((r) => r.check(m));
}
