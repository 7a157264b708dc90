// npm run acceptance -- --base-url URL [--json]
// Accepts any Shipshape deployment through its gateway; exits non-zero on any failed check.
import { runRealWorld } from './realworld.ts';
import { parseArgs } from 'node:util';
import { Client, describeNetworkError } from './client.ts';
import { formatResult, formatSummary, type Summary } from './report.ts';
import { Runner } from './runner.ts';
import { runSuite } from './suite.ts';
import { findTokens } from './token.ts';

const usage = `Usage: npm run acceptance -- [--base-url URL] [--json] [--timeout-ms N] [--unseeded]

  --base-url URL    the gateway to accept (default: $BASE_URL or http://localhost:3000)
  --json            print one JSON document instead of the readable report
  --timeout-ms N    deadline for each request (default 10000)
  --unseeded        the system has no sample data (production): read only what the suite creates

Calls carry $ACCEPTANCE_ADMIN_TOKEN (an admin) and $ACCEPTANCE_USER_TOKEN (a user the suite signs up as, acts as
and deletes again), from any issuer the system trusts; for a system on this machine started by npm start, its
development issuer mints both when they are not given.`;

function parseOptions() {
  return parseArgs({
    options: {
      'base-url': { type: 'string', default: process.env.BASE_URL || 'http://localhost:3000' },
      json: { type: 'boolean', default: false },
      'timeout-ms': { type: 'string', default: '10000' },
      unseeded: { type: 'boolean', default: process.env.ACCEPTANCE_UNSEEDED === 'true' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values;
}

async function main(): Promise<number> {
  let args: ReturnType<typeof parseOptions>;
  try {
    args = parseOptions();
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${usage}`);
    return 2;
  }
  if (args.help) {
    console.log(usage);
    return 0;
  }
  const baseUrl = args['base-url'];
  const timeoutMs = Number(args['timeout-ms']);
  if (!URL.canParse(baseUrl) || !Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    console.error(`invalid --base-url or --timeout-ms\n\n${usage}`);
    return 2;
  }
  const tokens = await findTokens(baseUrl);
  if (!tokens) {
    console.error(
      'acceptance: set ACCEPTANCE_ADMIN_TOKEN (an admin token) and ACCEPTANCE_USER_TOKEN (a user token): the suite signs up as that user and creates a product to order.',
    );
    return 2;
  }

  const client = new Client(baseUrl, timeoutMs);
  try {
    await client.call('GET', '/health');
  } catch (err) {
    console.error(
      `acceptance: cannot reach ${client.baseUrl} (${describeNetworkError(err)}). Is it running? Try --base-url.`,
    );
    return 2;
  }

  const started = performance.now();
  const color = !args.json && process.stdout.isTTY && !process.env.NO_COLOR;
  if (!args.json)
    console.log(`Accepting ${client.baseUrl} (requests tagged acceptance-${client.runId}-N; tokens ${tokens.source})`);
  const runner = new Runner((result) => {
    if (!args.json) console.log(formatResult(result, color));
  });
  await runSuite({ client, runner, adminToken: tokens.admin, userToken: tokens.user, seeded: !args.unseeded });
  await runRealWorld({ client, runner });

  const summary: Summary = {
    baseUrl: client.baseUrl,
    runId: client.runId,
    ok: runner.failed === 0,
    passed: runner.results.filter((r) => r.outcome === 'pass').length,
    failed: runner.results.filter((r) => r.outcome === 'fail').length,
    skipped: runner.results.filter((r) => r.outcome === 'skip').length,
    durationMs: Math.round(performance.now() - started),
    checks: runner.results.map((r) => ({ ...r, ms: Math.round(r.ms) })),
  };
  console.log(args.json ? JSON.stringify(summary, null, 2) : formatSummary(summary, color));
  return summary.ok ? 0 : 1;
}

process.exitCode = await main();
