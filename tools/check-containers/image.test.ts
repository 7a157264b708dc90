import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDockerfile } from './lib/dockerfile.ts';
import { crossCheckServiceImage, runtimeImports, simulateImage } from './lib/image.ts';
import { formatFindings } from './lib/findings.ts';
import { SERVICE_CONTRACTS, SERVICE_NAMES, type ServiceName } from './lib/config-schemas.ts';
import { diskRepo, overlayRepo, type Repo } from './lib/repo.ts';

const repo = diskRepo();
const USERS = 'services/users/Dockerfile';

const check = (r: Repo, service: ServiceName = 'users') => {
  const file = `services/${service}/Dockerfile`;
  return crossCheckServiceImage(parseDockerfile(file, r.read(file)), service, SERVICE_CONTRACTS[service], r);
};

/** The repository with the users Dockerfile edited; the edit must change something. */
const withUsersDockerfile = (edit: (text: string) => string): Repo => {
  const text = repo.read(USERS);
  const broken = edit(text);
  assert.notEqual(broken, text, 'the edit must change the Dockerfile');
  return overlayRepo(repo, { [USERS]: broken });
};

const rulesOf = (findings: { rule: string }[]) => [...new Set(findings.map((f) => f.rule))].sort();

for (const name of SERVICE_NAMES) {
  test(`when the ${name} image is replayed against the repository, then everything it copies and runs is there`, () => {
    assert.equal(formatFindings(check(repo, name)), 'no findings');
  });
}

test('when the users image is replayed, then it holds the service, the db tools, the acceptance suite and node_modules, but no tests', () => {
  const { contents } = simulateImage(parseDockerfile(USERS, repo.read(USERS)), repo);
  const paths = [...contents.files.keys()];
  for (const p of [
    '/app/services/users/src/server.ts',
    '/app/tools/db/migrate.ts',
    '/app/tools/acceptance/main.ts',
    '/app/libs/platform/src/config.ts',
    '/app/package-lock.json',
  ]) {
    assert.ok(contents.files.has(p), `${p} is in the image`);
  }
  assert.deepEqual(contents.npm, { root: '/app', workspaces: ['services/users', 'libs/platform'] });
  assert.deepEqual(
    paths.filter((p) => /\/test\/|\.test\.ts$|node_modules/.test(p)),
    [],
  );
  assert.ok(!paths.some((p) => p.startsWith('/app/services/gateway/src/')), 'another service is not copied whole');
});

test('when a COPY names a path that does not exist, then copy-source-missing fires', () => {
  const findings = check(
    withUsersDockerfile((t) =>
      t.replace('COPY tools/db/ tools/db/', 'COPY tools/db/ tools/db/\nCOPY tools/nowhere/ tools/nowhere/'),
    ),
  );
  assert.deepEqual(rulesOf(findings), ['copy-source-missing']);
  assert.match(findings[0]?.message ?? '', /COPY tools\/nowhere\/: no such file or folder in the build context/);
});

test('when a COPY names a folder .dockerignore excludes, then copy-source-ignored fires', () => {
  const r = overlayRepo(
    withUsersDockerfile((t) =>
      t.replace('COPY tools/db/ tools/db/', 'COPY tools/db/ tools/db/\nCOPY services/users/test/ services/users/test/'),
    ),
    {
      'services/users/test/example.test.ts': 'export {};\n',
    },
  );
  const findings = check(r);
  assert.deepEqual(rulesOf(findings), ['copy-source-ignored']);
  assert.match(findings[0]?.message ?? '', /everything in it is excluded by \.dockerignore/);
});

test('when EXPOSE differs from the default PORT in the config schema, then expose-port fires', () => {
  const findings = check(withUsersDockerfile((t) => t.replace('EXPOSE 3001', 'EXPOSE 8080')));
  assert.deepEqual(rulesOf(findings), ['expose-port']);
  assert.match(findings[0]?.message ?? '', /EXPOSE 8080 does not match the default PORT 3001 of the users service/);
});

test('when the HEALTHCHECK probes another port, then healthcheck-port fires', () => {
  const findings = check(withUsersDockerfile((t) => t.replace('PORT||3001', 'PORT||3000')));
  assert.deepEqual(rulesOf(findings), ['healthcheck-port']);
  assert.match(findings[0]?.message ?? '', /probes port 3000, but the users service listens on 3001/);
});

test('when the HEALTHCHECK does not probe /health, then healthcheck-port fires', () => {
  const findings = check(withUsersDockerfile((t) => t.replace("+'/health')", "+'/metrics')")));
  assert.deepEqual(rulesOf(findings), ['healthcheck-port']);
  assert.match(findings[0]?.message ?? '', /does not probe \/health/);
});

test('when a workspace manifest is not copied before npm ci, then workspace-manifests fires', () => {
  const findings = check(
    withUsersDockerfile((t) => t.replace('COPY services/gateway/package.json services/gateway/\n', '')),
  );
  assert.deepEqual(rulesOf(findings), ['workspace-manifests']);
  assert.match(findings[0]?.message ?? '', /npm ci runs without services\/gateway\/package\.json/);
});

test("when npm ci does not select the service's workspace, then workspace-manifests fires, and image-imports for the packages only it declares", () => {
  const file = 'services/products/Dockerfile';
  const text = repo.read(file);
  const broken = text.replace('--workspace services/products ', '');
  assert.notEqual(broken, text);
  const findings = check(overlayRepo(repo, { [file]: broken }), 'products');
  assert.deepEqual(rulesOf(findings), ['image-imports', 'workspace-manifests']);
  assert.match(
    findings.find((f) => f.rule === 'workspace-manifests')?.message ?? '',
    /does not select --workspace services\/products/,
  );
  assert.match(findings.find((f) => f.rule === 'image-imports')?.message ?? '', /imports '@fastify\/jwt'/);
});

test('when the db tools are not copied, then image-imports names the missing command', () => {
  const findings = check(withUsersDockerfile((t) => t.replace('COPY tools/db/ tools/db/\n', '')));
  assert.deepEqual(rulesOf(findings), ['image-imports']);
  assert.match(
    findings.map((f) => f.message).join('\n'),
    /node tools\/db\/migrate\.ts needs \/app\/tools\/db\/migrate\.ts, which the image does not contain/,
  );
});

test("when another service's migrations module is not copied, then image-imports names the import that breaks", () => {
  const findings = check(
    withUsersDockerfile((t) =>
      t.replace('COPY services/orders/src/config.ts services/orders/src/migrations.ts services/orders/src/\n', ''),
    ),
  );
  assert.deepEqual(rulesOf(findings), ['image-imports']);
  assert.match(
    findings.map((f) => f.message).join('\n'),
    /tools\/db\/targets\.ts \(import '\.\.\/\.\.\/services\/orders\/src\/migrations\.ts'\) needs/,
  );
});

test('when a file in the image imports a dev dependency, then image-imports says npm ci --omit=dev may not install it', () => {
  const seed = repo.read('tools/db/seed.ts');
  const findings = check(overlayRepo(repo, { 'tools/db/seed.ts': `import fc from 'fast-check';\nvoid fc;\n${seed}` }));
  assert.deepEqual(rulesOf(findings), ['image-imports']);
  assert.match(
    findings[0]?.message ?? '',
    /tools\/db\/seed\.ts imports 'fast-check', which none of the installed workspaces/,
  );
});

test('when CMD runs something other than the service sources, then image-entry fires', () => {
  const findings = check(
    withUsersDockerfile((t) =>
      t.replace('CMD ["node", "services/users/src/server.ts"]', 'CMD ["node", "dist/server.js"]'),
    ),
  );
  assert.ok(rulesOf(findings).includes('image-entry'), formatFindings(findings));
  assert.match(
    findings.find((f) => f.rule === 'image-entry')?.message ?? '',
    /CMD should be \["node", "services\/users\/src\/server\.ts"\]/,
  );
});

test('when a module imports only types, then its imports are not followed at run time', () => {
  const specs = runtimeImports(
    'x.ts',
    `import type { A } from './types.ts';\nimport { b, type C } from './b.ts';\nexport type { D } from './d.ts';\nexport { e } from './e.ts';\nconst f = await import('./f.ts');\n`,
  );
  assert.deepEqual(specs, ['./b.ts', './e.ts', './f.ts']);
});

test('when the four Dockerfiles are compared, then they differ only in the service name, port, description and which other migrations they copy', () => {
  const normalised = SERVICE_NAMES.map((name) => {
    const port = String(SERVICE_CONTRACTS[name].defaultPort);
    return (
      repo
        .read(`services/${name}/Dockerfile`)
        .split('\n')
        // Every workspace manifest and the other services' migrations are listed in each: checked by the rules above.
        .filter((l) => !/^COPY services\/\w+\/(package\.json|src\/config\.ts|migrations\/)/.test(l))
        .map((l) =>
          l
            .replace('http://gateway:3000', 'GATEWAY_URL')
            .replace(/image\.description="[^"]*"/, 'image.description="…"')
            .replaceAll(name, 'SERVICE')
            .replaceAll(port, 'PORT'),
        )
        .join('\n')
    );
  });
  for (const [i, text] of normalised.entries())
    assert.equal(
      text,
      normalised[0],
      `services/${SERVICE_NAMES[i] ?? ''}/Dockerfile drifted from services/${SERVICE_NAMES[0]}/Dockerfile`,
    );
});
