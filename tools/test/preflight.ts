// Before the tests: the shared PostgreSQL and Redis must answer, or we say how to start them.
import { connect } from 'node:net';
import { spawnSync } from 'node:child_process';

const checks = [
  {
    name: 'PostgreSQL',
    url: new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'),
    fix: 'start it: pg_ctlcluster <version> main start (Debian), brew services start postgresql, or docker run -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:17; or point TEST_DATABASE_URL at one',
  },
  {
    name: 'Redis',
    url: new URL(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'),
    fix: 'start it: redis-server --daemonize yes --port 6379, or docker run -p 6379:6379 redis:7; or point TEST_REDIS_URL at one',
  },
];

const reachable = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect({ host, port, timeout: 1500 });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
  });

let failed = false;
for (const c of checks) {
  const port = Number(c.url.port || (c.name === 'Redis' ? 6379 : 5432));
  if (!(await reachable(c.url.hostname, port))) {
    console.error(
      `✗ ${c.name} is not reachable at ${c.url.hostname}:${port}; the tests need a real one. To fix, ${c.fix}.`,
    );
    failed = true;
  }
}
for (const bin of ['redis-server']) {
  if (spawnSync(bin, ['--version']).error) {
    console.error(
      `✗ ${bin} is not installed; resilience tests start their own instance. Install it (apt-get install redis-server, brew install redis).`,
    );
    failed = true;
  }
}
if (spawnSync('shellcheck', ['--version']).error) {
  console.error('✗ shellcheck is not installed; the workflow checks run it. Install it (apt-get install shellcheck).');
  failed = true;
}
if (failed) process.exit(1);
console.log('preflight: PostgreSQL and Redis reachable');
