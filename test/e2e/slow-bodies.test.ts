// A request body that trickles in (one byte every few hundred milliseconds) is cut off after BODY_TIMEOUT_MS with a
// 408 problem+json and a closed connection, on a service and on the gateway; a body that arrives in time is served.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { startGateway, startUsers } from '../support/apps.ts';
import type { App } from '@shipshape/platform/service';

const BODY_TIMEOUT_MS = 1000;
let db: TestDatabase;
const apps: App[] = [];
const urls: Record<string, string> = {};

before(async () => {
  db = await createTestDatabase();
  const u = await startUsers({ DATABASE_URL: db.url, BODY_TIMEOUT_MS: String(BODY_TIMEOUT_MS) });
  const g = await startGateway({ USERS_URL: u.url, BODY_TIMEOUT_MS: String(BODY_TIMEOUT_MS) });
  apps.push(u.app, g.app);
  Object.assign(urls, { users: u.url, gateway: g.url });
});
after(async () => {
  for (const a of [...apps].reverse()) await a.close();
  await db.drop();
});

/** Sends the head, then the body one byte at a time every `everyMs`; resolves with what came back and when. */
async function trickle(base: string, body: string, everyMs: number) {
  const { hostname, port, host } = new URL(base);
  const socket = connect(Number(port), hostname);
  await new Promise((r) => socket.once('connect', r));
  const started = Date.now();
  let answer = '';
  let closedAt = 0;
  socket.on('data', (d) => {
    answer += d.toString('utf8');
  });
  const closed = new Promise<void>((r) =>
    socket.once('close', () => {
      closedAt = Date.now() - started;
      r();
    }),
  );
  socket.on('error', () => {});
  socket.write(
    `POST /users HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`,
  );
  for (const ch of body) {
    if (socket.destroyed || closedAt) break;
    socket.write(ch);
    await sleep(everyMs);
  }
  await Promise.race([closed, sleep(10_000)]);
  socket.destroy();
  return { answer, closedAt };
}

for (const name of ['users', 'gateway']) {
  test(`when ${name} gets a body one byte every 300 ms, then 408 problem+json and the connection closes after the body deadline`, async () => {
    const body = JSON.stringify({ name: 'Slow Loris', email: 'slow@example.com', padding: 'x'.repeat(200) });
    const { answer, closedAt } = await trickle(urls[name] as string, body, 300);
    assert.match(answer, /^HTTP\/1.1 408 /, answer.slice(0, 200));
    assert.match(answer, /content-type: application\/problem\+json/i);
    assert.match(answer, /"type":"https:\/\/shipshape.dev\/problems\/request-timeout"/);
    assert.ok(closedAt > 0, 'the server closed the connection');
    assert.ok(closedAt >= BODY_TIMEOUT_MS && closedAt < BODY_TIMEOUT_MS + 4000, `closed after ${closedAt} ms`);
  });

  test(`when ${name} gets a body a little slowly but within the deadline, then it is served`, async () => {
    const body = JSON.stringify({ name: 'Patient', email: `patient-${name}@example.com` });
    const { answer } = await trickle(urls[name] as string, body, 10);
    assert.match(answer, /^HTTP\/1.1 201 /, answer.slice(0, 200));
  });
}
