// `npm run release -- <command>`: the release gate and its local rehearsal.
//   analyze    evaluate deploy/release/analysis.yaml against a Prometheus; exit 0 Successful, 1 Failed, 2 Inconclusive
//   rehearse   the whole canary decision on this machine with real processes (see tools/release/rehearsal.ts)
//   migrations check that the migrations added since a release are expand-only
import { parseArgs } from 'node:util';
import { AnalysisError, loadAnalysis } from './analysis.ts';
import type { Phase } from './decide.ts';
import { appendSummary, runGate, summaryMarkdown } from './gate.ts';

const USAGE = `usage:
  npm run release -- analyze --prometheus <url> --service <name> [--service <name>…] [--profile <name>] [--summary <file>]
  npm run release -- rehearse [--outcome good|errors|latency|all] [--port <base>] [--profile rehearsal]
  npm run release -- migrations [--since <git ref>]`;

export const EXIT = { Successful: 0, Failed: 1, Inconclusive: 2, usage: 64 } as const;

async function analyze(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      prometheus: { type: 'string' },
      service: { type: 'string', multiple: true },
      profile: { type: 'string' },
      summary: { type: 'string', default: process.env.GITHUB_STEP_SUMMARY },
    },
  });
  const services = values.service ?? [];
  if (!values.prometheus || services.length === 0) {
    console.error(USAGE);
    return EXIT.usage;
  }
  const analysis = loadAnalysis(values.profile);
  const prometheusUrl = values.prometheus;
  // Every service released together is judged at once; the release passes only if each of them does.
  const results = await Promise.all(
    services.map((service) =>
      runGate({
        analysis,
        prometheusUrl,
        service,
        print: (line) => console.log(services.length > 1 ? `[${service}] ${line}` : line),
      }),
    ),
  );
  const phase: Phase = results.some((r) => r.phase === 'Failed')
    ? 'Failed'
    : results.some((r) => r.phase === 'Inconclusive')
      ? 'Inconclusive'
      : 'Successful';
  const action = phase === 'Successful' ? 'promote' : 'roll back';
  for (const [i, r] of results.entries()) appendSummary(values.summary, summaryMarkdown(services[i] ?? '', r, action));
  console.log(`release verdict: ${phase} → ${action}`);
  return EXIT[phase];
}

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    case 'analyze':
      return analyze(rest);
    case 'rehearse':
      return (await import('./rehearse-cli.ts')).rehearseCli(rest);
    case 'migrations':
      return (await import('./migrations.ts')).migrationsCli(rest);
    default:
      console.error(USAGE);
      return EXIT.usage;
  }
}

try {
  process.exitCode = await main();
} catch (err) {
  if (err instanceof AnalysisError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    console.error(`✗ ${(err as Error).message}\n${USAGE}`);
    process.exitCode = EXIT.usage;
  } else throw err;
}
