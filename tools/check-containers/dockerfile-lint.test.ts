import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DOCKERFILE_RULES, lintDockerfile, parseDockerfile } from './lib/dockerfile.ts';
import { formatFindings } from './lib/findings.ts';
import { DOCKERFILE } from '../dev/services.ts';
import { diskRepo } from './lib/repo.ts';

const GOOD = readFileSync(new URL('./fixtures/good.Dockerfile', import.meta.url), 'utf8');
const lint = (text: string) => lintDockerfile(parseDockerfile('fixture.Dockerfile', text));

interface Case {
  name: string;
  /** Rules expected to fire, exactly. */
  rules: string[];
  /** What the first finding of the first rule says. */
  message: RegExp;
  edit: (text: string) => string;
}

const replace = (from: string | RegExp, to: string) => (text: string) => text.replace(from, to);
const after = (anchor: string, insert: string) => (text: string) => text.replace(anchor, `${anchor}\n${insert}`);
const FIRST_FROM = /^FROM .* AS deps$/m;

const CASES: Case[] = [
  {
    name: 'a base image has no tag',
    rules: ['DL3006', 'base-image-digest'],
    message: /FROM node has no tag/,
    edit: replace(FIRST_FROM, 'FROM node AS deps'),
  },
  {
    name: 'a base image uses latest',
    rules: ['DL3007', 'base-image-digest'],
    message: /uses "latest"/,
    edit: replace(FIRST_FROM, 'FROM node:latest AS deps'),
  },
  {
    name: 'a base image has a tag but no digest',
    rules: ['base-image-digest'],
    message: /not pinned by digest/,
    edit: replace(FIRST_FROM, 'FROM node:24.13.0-bookworm-slim AS deps'),
  },
  {
    name: 'two stages share a name',
    rules: ['DL3024'],
    message: /stage name "deps" is used twice/,
    edit: replace('AS runtime', 'AS deps'),
  },
  {
    name: 'the final stage copies nothing from an earlier stage',
    rules: ['multi-stage'],
    message: /single-stage build/,
    edit: (t) =>
      t.replace('COPY --from=init /usr/bin/tini-static /usr/bin/tini\n', '').replace('COPY --from=deps /app/ ./\n', ''),
  },
  {
    name: 'WORKDIR is relative',
    rules: ['DL3000'],
    message: /WORKDIR app is relative/,
    edit: replace('WORKDIR /app', 'WORKDIR app'),
  },
  {
    name: 'RUN changes directory with cd',
    rules: ['DL3003'],
    message: /use WORKDIR/,
    edit: replace('RUN npm ci', 'RUN cd /app && npm ci'),
  },
  { name: 'RUN uses sudo', rules: ['DL3004'], message: /sudo/, edit: replace('RUN npm ci', 'RUN sudo npm ci') },
  {
    name: 'RUN uses apt instead of apt-get',
    rules: ['DL3027'],
    message: /use apt-get/,
    edit: replace('apt-get install', 'apt install'),
  },
  {
    name: 'apt-get install does not pin a version',
    rules: ['DL3008'],
    message: /apt-get install tini is not pinned/,
    edit: replace('tini=0.19.0-1+b3', 'tini'),
  },
  {
    name: 'apt-get install is interactive',
    rules: ['DL3014'],
    message: /add -y/,
    edit: replace('install -y ', 'install '),
  },
  {
    name: 'apt-get install takes recommended packages',
    rules: ['DL3015'],
    message: /--no-install-recommends/,
    edit: replace(' --no-install-recommends', ''),
  },
  {
    name: 'the apt lists stay in the layer',
    rules: ['DL3009'],
    message: /rm -rf \/var\/lib\/apt\/lists/,
    edit: replace(' \\\n && rm -rf /var/lib/apt/lists/*', ''),
  },
  {
    name: 'a RUN pipes without pipefail',
    rules: ['DL4006'],
    message: /pipefail/,
    edit: after('RUN npm ci --omit=dev --ignore-scripts', 'RUN npm ls --omit=dev | grep fastify'),
  },
  {
    name: 'ADD copies a local folder',
    rules: ['DL3020'],
    message: /use COPY for local files/,
    edit: replace('COPY src/ src/', 'ADD src/ src/'),
  },
  {
    name: 'ADD fetches a URL',
    rules: ['no-remote-add'],
    message: /ADD fetches https:\/\/example\.com\/tool\.tar\.gz/,
    edit: after('COPY src/ src/', 'ADD https://example.com/tool.tar.gz /opt/'),
  },
  {
    name: 'COPY of several files has a destination without /',
    rules: ['DL3021'],
    message: /destination ending in \//,
    edit: replace('package-lock.json ./', 'package-lock.json .'),
  },
  {
    name: 'COPY --from names no stage',
    rules: ['DL3022'],
    message: /--from=tools names no earlier stage/,
    edit: replace('--from=init', '--from=tools'),
  },
  {
    name: 'CMD is in shell form',
    rules: ['DL3025'],
    message: /shell form/,
    edit: replace('CMD ["node", "src/server.ts"]', 'CMD node src/server.ts'),
  },
  {
    name: 'a stage has two CMDs',
    rules: ['DL4003'],
    message: /second CMD/,
    edit: (t) => `${t}CMD ["node", "other.ts"]\n`,
  },
  {
    name: 'a stage has two ENTRYPOINTs',
    rules: ['DL4004'],
    message: /second ENTRYPOINT/,
    edit: (t) => `${t}ENTRYPOINT ["/usr/bin/tini", "-s", "--"]\n`,
  },
  {
    name: 'a stage has two HEALTHCHECKs',
    rules: ['DL3012'],
    message: /second HEALTHCHECK/,
    edit: (t) => `${t}HEALTHCHECK CMD ["node", "-e", "1"]\n`,
  },
  {
    name: 'MAINTAINER is used',
    rules: ['DL4000'],
    message: /MAINTAINER is deprecated/,
    edit: after('ENV NODE_ENV=production', 'MAINTAINER ops@example.com'),
  },
  {
    name: 'EXPOSE names an impossible port',
    rules: ['DL3011'],
    message: /EXPOSE 80800 is not a valid port/,
    edit: replace('EXPOSE 8080', 'EXPOSE 80800'),
  },
  {
    name: 'USER is a name',
    rules: ['non-root-user'],
    message: /USER node is not numeric/,
    edit: replace('USER 10001:10001', 'USER node'),
  },
  {
    name: 'USER is root',
    rules: ['non-root-user'],
    message: /USER 0 is root/,
    edit: replace('USER 10001:10001', 'USER 0'),
  },
  {
    name: 'there is no USER',
    rules: ['non-root-user'],
    message: /runs as root/,
    edit: replace('USER 10001:10001\n', ''),
  },
  {
    name: 'there is no HEALTHCHECK',
    rules: ['healthcheck'],
    message: /no HEALTHCHECK/,
    edit: replace(/^HEALTHCHECK .*\n/m, ''),
  },
  {
    name: 'HEALTHCHECK is NONE',
    rules: ['healthcheck'],
    message: /HEALTHCHECK NONE disables/,
    edit: replace(/^HEALTHCHECK .*$/m, 'HEALTHCHECK NONE'),
  },
  {
    name: 'node is PID 1',
    rules: ['init-pid1'],
    message: /does not start an init/,
    edit: replace('ENTRYPOINT ["/usr/bin/tini", "--"]', 'ENTRYPOINT ["docker-entrypoint.sh"]'),
  },
  {
    name: 'an OCI label is missing',
    rules: ['oci-labels'],
    message: /missing OCI labels: org\.opencontainers\.image\.licenses/,
    edit: replace('      org.opencontainers.image.licenses="Apache-2.0" \\\n', ''),
  },
  {
    name: 'ENV holds a secret by name',
    rules: ['no-secrets-in-env-or-arg'],
    message: /ENV JWT_SECRET would keep a secret/,
    edit: replace('ENV NODE_ENV=production', 'ENV NODE_ENV=production JWT_SECRET=s3cr3t-value'),
  },
  {
    name: 'ARG holds a token',
    rules: ['no-secrets-in-env-or-arg'],
    message: /ARG NPM_TOKEN would keep a secret/,
    edit: after('ARG REVISION=unknown', 'ARG NPM_TOKEN'),
  },
  {
    name: 'ENV sets a variable a config schema marks secret',
    rules: ['no-secrets-in-env-or-arg'],
    message: /ENV REDIS_URL would keep a secret/,
    edit: replace('ENV NODE_ENV=production', 'ENV NODE_ENV=production REDIS_URL=redis://cache:6379'),
  },
  {
    name: 'ENV holds a URL with a password',
    rules: ['no-secrets-in-env-or-arg'],
    message: /URL with a password/,
    edit: replace('ENV NODE_ENV=production', 'ENV NODE_ENV=production UPSTREAM=https://deploy:hunter2@example.com/'),
  },
  {
    name: 'npm install is used',
    rules: ['production-dependencies'],
    message: /npm install ignores the lockfile/,
    edit: replace('npm ci --omit=dev', 'npm install'),
  },
  {
    name: 'npm ci keeps dev dependencies',
    rules: ['production-dependencies'],
    message: /add --omit=dev/,
    edit: replace('npm ci --omit=dev', 'npm ci'),
  },
];

test('when the clean fixture is linted, then no rule fires', () => {
  assert.equal(formatFindings(lint(GOOD)), 'no findings');
});

test(`when the service ${DOCKERFILE} is linted, then no rule fires`, () => {
  assert.equal(formatFindings(lintDockerfile(parseDockerfile(DOCKERFILE, diskRepo().read(DOCKERFILE)))), 'no findings');
});

for (const c of CASES) {
  test(`when ${c.name}, then ${c.rules.join(' and ')} ${c.rules.length > 1 ? 'fire' : 'fires'}`, () => {
    const broken = c.edit(GOOD);
    assert.notEqual(broken, GOOD, 'the edit must change the fixture');
    const findings = lint(broken);
    assert.deepEqual([...new Set(findings.map((f) => f.rule))].sort(), [...c.rules].sort(), formatFindings(findings));
    const first = findings.find((f) => f.rule === c.rules[0]);
    assert.match(first?.message ?? '', c.message);
    assert.ok(first?.line === undefined || first.line > 0);
  });
}

test('when the rules are listed, then each has a case that proves it fires', () => {
  const covered = new Set(CASES.flatMap((c) => c.rules));
  assert.deepEqual(
    DOCKERFILE_RULES.map((r) => r.id).filter((id) => !covered.has(id)),
    [],
  );
});

test('when a finding has a line, then it is the line of the offending instruction', () => {
  const broken = replace('USER 10001:10001', 'USER node')(GOOD);
  const [finding] = lint(broken);
  const line = broken.split('\n').indexOf('USER node') + 1;
  assert.equal(finding?.line, line);
});
