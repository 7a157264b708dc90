// `npm run docs:openapi`: each service's OpenAPI document, generated from its routes' TypeBox schemas into
// services/<name>/openapi.json. `--check` fails when a committed document is stale.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { generateServiceKey } from '@shipshape/platform/auth';
import { join } from 'node:path';
import { describeConfig, loadConfig } from '@shipshape/platform/config';
import type { App } from '@shipshape/platform/service';
import { SERVICE_LIST, type ServiceInfo } from '../dev/services.ts';

const ROOT = join(import.meta.dirname, '..', '..');

/** The services that serve their own document (the gateway serves the combined one, assembled from these). */
export const DOCUMENTED = SERVICE_LIST.filter((s) => s.name !== 'gateway');

export const documentPath = (s: ServiceInfo): string => join(ROOT, s.dir, 'openapi.json');

/** Builds the app (it never connects: nothing is queried) and returns its document as committed. */
export async function generate(s: ServiceInfo): Promise<string> {
  // Required settings get placeholders; none of them shapes the document.
  const key = generateServiceKey();
  const env: NodeJS.ProcessEnv = {
    DATABASE_URL: 'postgres://docs@127.0.0.1:1/docs',
    AUTH_ISSUER: 'https://issuer.example.com',
    AUTH_AUDIENCE: 'docs',
    AUTH_JWKS_URL: 'https://issuer.example.com/.well-known/jwks.json',
    SERVICE_PRIVATE_KEY: key.privateKey,
    SERVICE_TRUSTED_CALLERS: `orders=${key.publicKey}`,
  };
  for (const row of describeConfig(s.config))
    if (row.required) env[row.name] ??= 'placeholder-for-docs-0123456789abcdef';
  const { buildApp } = (await import(join(ROOT, s.dir, 'src', 'app.ts'))) as {
    buildApp: (config: unknown, opts: { logger?: boolean; reconciler?: boolean }) => Promise<App>;
  };
  const app = await buildApp(loadConfig(s.config, env), { logger: false, reconciler: false });
  try {
    await app.ready();
    return `${JSON.stringify(app.swagger(), null, 2)}\n`;
  } finally {
    await app.close();
  }
}

if (import.meta.main) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const s of DOCUMENTED) {
    const file = documentPath(s);
    const doc = await generate(s);
    if (existsSync(file) && readFileSync(file, 'utf8') === doc) continue;
    if (check) {
      console.error(`stale ${s.dir}/openapi.json; run npm run docs:openapi`);
      stale += 1;
    } else {
      writeFileSync(file, doc);
      console.log(`updated ${s.dir}/openapi.json`);
    }
  }
  process.exitCode = stale ? 1 : 0;
}
