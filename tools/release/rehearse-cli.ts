// `npm run release -- rehearse`: runs the rehearsal and exits non-zero when an outcome is not the expected one
// (a good version not promoted, a bad one not rolled back, or the stable version failing a request).
import { parseArgs } from 'node:util';
import { OUTCOMES, describeReport, rehearse, type Outcome } from './rehearsal.ts';

export async function rehearseCli(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      outcome: { type: 'string', default: 'all' },
      port: { type: 'string' },
      profile: { type: 'string', default: 'rehearsal' },
    },
  });
  const names = Object.keys(OUTCOMES) as Outcome[];
  const outcomes = values.outcome === 'all' ? names : (values.outcome.split(',') as Outcome[]);
  const unknown = outcomes.filter((x) => !names.includes(x));
  if (unknown.length) {
    console.error(`unknown outcome ${unknown.join(', ')}; choose from ${names.join(', ')} or all`);
    return 64;
  }
  const reports = await rehearse({
    outcomes,
    adminDatabaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    basePort: values.port ? Number(values.port) : undefined,
    profile: values.profile,
  });
  console.log('\nsummary');
  let wrong = 0;
  for (const r of reports) {
    const expected = r.outcome === 'good' ? 'promoted' : 'rolled back';
    const ok = r.action === expected && r.byTrack.stable.failed === 0 && r.failuresAfter === 0;
    if (!ok) wrong += 1;
    console.log(`${ok ? '✓' : '✗'} ${describeReport(r)}`);
  }
  return wrong ? 1 : 0;
}
