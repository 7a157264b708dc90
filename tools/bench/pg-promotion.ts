// What a statement leaves in the old generation, by how its read timeout is kept: a small isolated experiment behind
// the round "the read timeout that promoted every statement" of docs/benchmark-history.md.
//
//   node tools/bench/pg-promotion.ts [--seconds 10] [--database-url postgres://postgres@127.0.0.1:5432/postgres]
//
// Each variant runs in its own process with the services' V8 flags and sizing and `--trace-gc-nvp`: two loops send
// statements one after the other (a group-sized JSON parameter, 20 rows back), with some young garbage beside them,
// as orders does under load. It prints what each young-generation collection promoted to the old generation and how
// many full collections followed.
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';

const VARIANTS = {
  'pool.query, no read timeout': 'plain',
  "pool.query with node-postgres's query_timeout": 'query_timeout',
  "the platform's Database (its read watch)": 'database',
} as const;
type Variant = (typeof VARIANTS)[keyof typeof VARIANTS];

/** The services' heap sizing (the images' NODE_OPTIONS). */
const V8_SIZING = ['--max-old-space-size=160', '--max-semi-space-size=4'];

async function child(variant: Variant, url: string, seconds: number): Promise<void> {
  const pg = (await import('pg')).default;
  const params = () => [
    JSON.stringify(Array.from({ length: 20 }, (_, i) => ({ i, id: crypto.randomUUID(), note: 'x'.repeat(40) }))),
  ];
  const config = () => ({ name: 'promotion', text: 'SELECT x FROM json_array_elements($1::json) x', values: params() });
  let run: () => Promise<unknown>;
  let close: () => Promise<void>;
  if (variant === 'database') {
    const { Database } = await import('../../libs/platform/src/db.ts');
    const { Metrics } = await import('../../libs/platform/src/metrics.ts');
    const pino = (await import('pino')).default;
    const db = new Database(
      {
        url,
        ssl: 'disable',
        poolMax: 4,
        connectTimeoutMs: 2000,
        statementTimeoutMs: 5000,
        applicationName: 'promotion',
      },
      new Metrics('promotion'),
      pino({ level: 'silent' }),
    );
    run = () => {
      const c = config();
      return db.query('promotion', c.text, c.values);
    };
    close = () => db.close();
  } else {
    const pool = new pg.Pool({
      connectionString: url,
      max: 4,
      ...(variant === 'query_timeout' ? { query_timeout: 6000 } : {}),
    });
    run = () => pool.query(config());
    close = () => pool.end();
  }
  let statements = 0;
  let stop = false;
  const loop = async () => {
    while (!stop) {
      await run();
      statements += 1;
    }
  };
  const garbage = setInterval(() => {
    const junk: { i: number; s: string }[] = [];
    for (let i = 0; i < 2000; i++) junk.push({ i, s: String(i) });
  }, 5);
  const loops = [loop(), loop()];
  await new Promise((r) => setTimeout(r, seconds * 1000));
  stop = true;
  clearInterval(garbage);
  await Promise.all(loops);
  await close();
  process.stdout.write(`statements=${statements}\n`);
}

interface Outcome {
  statements: number;
  young: number;
  promotedKb: number;
  full: number;
}

async function measure(variant: Variant, url: string, seconds: number): Promise<Outcome> {
  // Imported here, not at the top: the variants' processes load this file too, and should load no more than they use.
  const { SERVICE_NODE_FLAGS } = await import('../dev/stack.ts');
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      [
        ...SERVICE_NODE_FLAGS,
        ...V8_SIZING,
        '--trace-gc-nvp',
        import.meta.filename,
        '--child',
        variant,
        '--seconds',
        String(seconds),
        '--database-url',
        url,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    p.on('error', reject);
    p.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`the ${variant} variant exited with ${code}`));
      let young = 0;
      let promoted = 0;
      let full = 0;
      for (const line of out.split('\n')) {
        if (line.includes(' gc=s ')) {
          young += 1;
          promoted += Number(/ promoted=(\d+)/.exec(line)?.[1] ?? 0);
        } else if (line.includes(' gc=mc ')) full += 1;
      }
      const statements = Number(/^statements=(\d+)/m.exec(out)?.[1] ?? 0);
      resolve({ statements, young, promotedKb: young ? promoted / young / 1024 : 0, full });
    });
  });
}

const { values } = parseArgs({
  options: {
    child: { type: 'string' },
    seconds: { type: 'string', default: '10' },
    'database-url': {
      type: 'string',
      default: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    },
  },
});
const url = values['database-url'];
const seconds = Number(values.seconds);
if (values.child) {
  await child(values.child as Variant, url, seconds);
} else {
  console.log(`${seconds} s per variant, against ${new URL(url).host}\n`);
  console.log('| variant | statements | young-generation collections | promoted per collection | full collections |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const [label, variant] of Object.entries(VARIANTS)) {
    const o = await measure(variant, url, seconds);
    console.log(
      `| ${label} | ${o.statements.toLocaleString('en-US')} | ${o.young} | ${o.promotedKb.toFixed(1)} KB | ${o.full} |`,
    );
  }
}
