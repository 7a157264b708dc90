import pg from 'pg';
import { startStack } from '../dev/stack.ts';
const db = 'shipshape_obs_dbg' + Date.now();
const a = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' }); await a.connect(); await a.query(`CREATE DATABASE ${db}`);
const s = await startStack({ databaseUrl: `postgres://postgres@127.0.0.1:5432/${db}`, redisUrl: 'redis://127.0.0.1:6379/5', env: { LOG_LEVEL: 'info' } });
await new Promise((r) => setTimeout(r, 2000));
for (const n of ['gateway', 'users', 'products', 'orders'] as const) {
  const t = await (await fetch(`${s.urls[n]}/metrics`)).text();
  console.log(n, t.split('\n').filter((l) => l.startsWith('cache_up') || l.startsWith('cache_requests')).join(' | '));
}
console.log(s.logs.users.filter(l => /cache/i.test(l)).slice(0,5).join('\n'));
await s.stop(); await a.query(`DROP DATABASE ${db} WITH (FORCE)`); await a.end();
