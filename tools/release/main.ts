// `npm run release -- <command>`: the release gate and its local rehearsal.
//   analyze    evaluate deploy/release/analysis.yaml against a Prometheus; exit 0 Successful, 1 Failed, 2 Inconclusive
//   rehearse   the whole canary decision on this machine with real processes (see tools/release/rehearsal.ts)
//   migrations check that the migrations added since a release are expand-only
import { parseArgs } from 'node:util';
import { AnalysisError, loadAnalysis } from './analysis.ts';
import { appendSummary, runGate, summaryMarkdown } from './gate.ts';

const USAGE = `usage:
  npm run release -- analyze --prometheus <url> --service <name> [--profile <name>] [--summary <file>]
  npm run release -- rehearse [--outcome good|errors|latency|all] [--port <base>] [--profile rehearsal]
  npm run release -- migrations [--since <git ref>]`;

export const EXIT = { Successful: 0, Failed: 1, Inconclusive: 2, usage: 64 } as const;

async function analyze(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      prometheus: { type: 'string' },
      service: { type: 'string' },
      profile: { type: 'string' },
      summary: { type: 'string', default: process.env.GITHUB_STEP_SUMMARY },
    },
  });
  if (!values.prometheus || !values.service) {
    console.error(USAGE);
    return EXIT.usage;
  }
  const analysis = loadAnalysis(values.profile);
  const result = await runGate({ analysis, prometheusUrl: values.prometheus, service: values.service });
  const action = result.phase === 'Successful' ? 'promote' : 'roll back';
  appendSummary(values.summary, summaryMarkdown(values.service, result, action));
  return EXIT[result.phase];
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
