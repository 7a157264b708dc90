// The benchmark's CPU accounting (cpu.ts) and profile summaries (profile.ts), on real processes where they can be.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Registry, collectDefaultMetrics } from 'prom-client';
import {
  callsPerRequest,
  cpuPerRequest,
  gcPerSecond,
  parseClientCalls,
  parseCpuSeconds,
  parseGc,
  parseMachineBusySeconds,
  parseProcStat,
  snapshot,
  snapshotCpu,
} from '../cpu.ts';
import { type CpuProfile, summarize } from '../profile.ts';
import { parseCpuPressure, parseSchedstat, pressureShare, schedPerRequest } from '../sched.ts';
import { startYardstick } from '../yardsticks.ts';

describe('CPU per request', () => {
  test('when an exposition has process_cpu_seconds_total, then it is read; its user and system parts are not taken for it', () => {
    const text =
      'process_cpu_user_seconds_total 1.2\nprocess_cpu_system_seconds_total 0.3\n# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 1.5\n';
    assert.equal(parseCpuSeconds(text), 1.5);
    assert.equal(parseCpuSeconds('process_cpu_user_seconds_total 1.2\n'), undefined);
  });

  test("when a command name has spaces and parentheses, then its own and its reaped children's CPU are read after it", () => {
    const line = '4242 (node (worker) x) S 1 4242 4242 0 -1 4194560 9000 0 0 0 250 50 70 30 20 0 11 0 1000 0 0';
    assert.deepEqual(parseProcStat(line), { command: 'node (worker) x', seconds: 4 });
    assert.equal(parseProcStat('garbage'), undefined);
  });

  test('when /proc/stat is read, then idle and I/O wait are not counted as busy', () => {
    assert.equal(parseMachineBusySeconds('cpu  100 10 50 900 40 5 5 0 0 0\ncpu0 1 2 3 4 5 6 7 8\n'), 1.7);
    assert.equal(parseMachineBusySeconds('intr 1 2 3'), undefined);
  });

  test('when two snapshots are taken around some requests, then each source is divided by the requests, unknown ones left out', () => {
    assert.deepEqual(
      cpuPerRequest({ gateway: 10, products: 5, redis: 1 }, { gateway: 10.5, products: 5.25, machine: 3 }, 1000),
      { gateway: 500, products: 250 },
    );
    assert.deepEqual(cpuPerRequest({ gateway: 1 }, { gateway: 2 }, 0), {});
  });

  test("when orders' client histogram has calls by operation and status, then they are summed per operation and divided by the orders", () => {
    const text = [
      '# TYPE http_client_request_duration_seconds histogram',
      'http_client_request_duration_seconds_bucket{le="0.005",service="orders",target="products",operation="reserve_stock",status_class="2xx"} 90',
      'http_client_request_duration_seconds_count{service="orders",target="products",operation="reserve_stock",status_class="2xx"} 100',
      'http_client_request_duration_seconds_count{service="orders",target="products",operation="reserve_stock",status_class="5xx"} 2',
      'http_client_request_duration_seconds_count{service="orders",target="users",operation="get_user",status_class="2xx"} 40',
      'http_server_request_duration_seconds_count{service="orders",method="POST",route="/orders",status_class="2xx"} 500',
    ].join('\n');
    assert.deepEqual(parseClientCalls(text), { reserve_stock: 102, get_user: 40 });
    assert.deepEqual(callsPerRequest({ reserve_stock: 2 }, parseClientCalls(text), 400), {
      reserve_stock: 0.25,
      get_user: 0.1,
    });
    assert.deepEqual(callsPerRequest({}, { get_user: 5 }, 0), {});
  });

  test('when a yardstick serves requests, then its process and this one show CPU spent', async () => {
    const hello = await startYardstick('hello');
    try {
      const sources = { services: {}, yardsticks: { yardstick: hello.pid } };
      const before = await snapshotCpu(sources);
      for (let i = 0; i < 2000; i++) await (await fetch(hello.url)).arrayBuffer();
      const per = cpuPerRequest(before, await snapshotCpu(sources), 2000);
      assert.ok((per.yardstick ?? 0) > 0, `the yardstick used CPU: ${JSON.stringify(per)}`);
      assert.ok((per['load generator'] ?? 0) > 0, `this process used CPU: ${JSON.stringify(per)}`);
      assert.ok(
        (per.machine ?? 0) >= (per.yardstick ?? 0),
        `the machine counts at least the yardstick: ${JSON.stringify(per)}`,
      );
    } finally {
      await hello.stop();
    }
  });
});

describe('Garbage collection per scenario', () => {
  test("when a process collects garbage, then its major and minor collections and their time are read from prom-client's exposition", async () => {
    const registry = new Registry();
    registry.setDefaultLabels({ service: 'bench-test' });
    collectDefaultMetrics({ register: registry });
    assert.equal(parseGc(await registry.metrics()), undefined, 'nothing on record before a collection');
    setFlagsFromString('--expose-gc');
    const collect = runInNewContext('gc') as (options: { type: 'major' | 'minor' }) => void;
    // Node reports collections asynchronously, one performance entry per collection given time to be observed.
    const tick = () => new Promise((resolve) => setTimeout(resolve, 10));
    await tick();
    for (const type of ['major', 'minor', 'major'] as const) {
      collect({ type });
      await tick();
    }
    await tick();
    const counters = parseGc(await registry.metrics());
    assert.ok(counters, 'collections on record');
    assert.ok(counters.major >= 2, JSON.stringify(counters));
    assert.ok(counters.minor >= 1, JSON.stringify(counters));
    assert.ok(counters.seconds > 0, JSON.stringify(counters));
  });

  test('when two snapshots are taken around a scenario, then collections are per second; a restarted or unknown service is left out', () => {
    const before = {
      products: { major: 10, minor: 100, seconds: 1 },
      gateway: { major: 50, minor: 500, seconds: 4 },
    };
    const after = {
      products: { major: 14, minor: 700, seconds: 1.5 },
      gateway: { major: 2, minor: 20, seconds: 0.1 },
      users: { major: 3, minor: 30, seconds: 0.2 },
    };
    assert.deepEqual(gcPerSecond(before, after, 10), {
      products: { majorPerSecond: 0.4, minorPerSecond: 60, msPerSecond: 50 },
    });
    assert.deepEqual(gcPerSecond(before, after, 0), {});
  });
});

describe('Waiting for a core', () => {
  test('when schedstat and CPU pressure are read, then the wait, the runs and the total are taken from them', () => {
    assert.deepEqual(parseSchedstat('415330784 699397836 852\n'), { waitNs: 699397836, runs: 852 });
    assert.equal(parseSchedstat(''), undefined);
    const pressure =
      'some avg10=10.39 avg60=23.89 avg300=21.18 total=112251048\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n';
    assert.equal(parseCpuPressure(pressure), 112251048);
    assert.equal(parseCpuPressure('full avg10=0.00 total=5\n'), undefined);
    assert.equal(pressureShare(1_000_000, 4_000_000, 10), 0.3);
    assert.equal(pressureShare(undefined, 4_000_000, 10), undefined);
  });

  test('when processes come and go between two snapshots, then only those in both count, per request', () => {
    const before = {
      postgresql: { '10': { waitNs: 1e6, runs: 100 }, '11': { waitNs: 5e9, runs: 9000 } },
      orders: { '20': { waitNs: 0, runs: 0 } },
      gone: { '30': { waitNs: 0, runs: 0 } },
    };
    const after = {
      // 11 ended and 12 started: neither is counted from zero.
      postgresql: { '10': { waitNs: 3e6, runs: 300 }, '12': { waitNs: 9e9, runs: 9 } },
      orders: { '20': { waitNs: 4e6, runs: 2500 } },
      users: { '40': { waitNs: 1e6, runs: 1 } },
    };
    assert.deepEqual(schedPerRequest(before, after, 1000), {
      postgresql: { waitUsPerRequest: 2, runsPerRequest: 0.2, waitUsPerRun: 10 },
      orders: { waitUsPerRequest: 4, runsPerRequest: 2.5, waitUsPerRun: 2 },
    });
    assert.deepEqual(schedPerRequest(before, after, 0), {});
  });

  test('when more processes spin than there are cores, then they are seen waiting for one, and the machine under pressure', async () => {
    const spin = 'const end=Date.now()+1500;let x=0;while(Date.now()<end)x+=Math.sqrt(x+1)';
    const children = Array.from({ length: availableParallelism() + 2 }, () =>
      spawn(process.execPath, ['-e', spin], { stdio: 'ignore' }),
    );
    const exited = children.map((child) => new Promise((resolve) => child.once('exit', resolve)));
    try {
      const pids = Object.fromEntries(children.map((child, i) => [`spinner ${i}`, child.pid]));
      await new Promise((resolve) => setTimeout(resolve, 200));
      const before = await snapshot({ services: {}, yardsticks: pids });
      await new Promise((resolve) => setTimeout(resolve, 800));
      const after = await snapshot({ services: {}, yardsticks: pids });
      const waits = schedPerRequest(before.sched, after.sched, 1);
      const spinners = Object.entries(waits).filter(([name]) => name.startsWith('spinner'));
      assert.equal(spinners.length, children.length, JSON.stringify(waits));
      // Two more spinners than cores: 1.6 s of waiting in 800 ms, among them; a tenth of it is asked for.
      const waitedUs = spinners.reduce((sum, [, w]) => sum + w.waitUsPerRequest, 0);
      assert.ok(waitedUs > 100_000, `the spinners waited ${waitedUs} µs in all: ${JSON.stringify(waits)}`);
      assert.ok(waits['load generator'], 'this process is read too');
      if (before.pressureUs !== undefined) {
        const share = pressureShare(before.pressureUs, after.pressureUs, 0.8) ?? 0;
        assert.ok(share > 0.5, `some task waited for a core ${share * 100}% of the time`);
      }
    } finally {
      for (const child of children) child.kill();
      await Promise.all(exited);
    }
  });
});

describe('CPU profile summaries', () => {
  test('when a process spends its time in one function, then that function and its file lead the summary', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shipshape-profile-'));
    try {
      const script =
        'function spinForTheProfile(ms){const end=Date.now()+ms;let x=0;while(Date.now()<end)x+=Math.sqrt(x+1);return x}spinForTheProfile(400)';
      await promisify(execFile)(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, '-e', script]);
      const [file] = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
      assert.ok(file, 'node wrote a profile');
      const summary = summarize(JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile);
      assert.ok(summary.busyMs >= 200, `busy ${summary.busyMs} ms`);
      assert.match(summary.functions[0]?.name ?? '', /spinForTheProfile/);
      assert.ok((summary.functions[0]?.share ?? 0) > 50, JSON.stringify(summary.functions.slice(0, 3)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('when frames come from packages, Node and our modules, then each is owned by the right one', () => {
    const frame = (url: string, functionName = 'f') => ({ functionName, url, lineNumber: 0 });
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('', '(idle)') },
        { id: 2, callFrame: frame('file:///app/node_modules/@fastify/reply-from/index.js') },
        { id: 3, callFrame: frame('file:///app/libs/platform/src/cache.ts') },
        { id: 4, callFrame: frame('node:internal/streams/readable') },
        { id: 5, callFrame: frame('', '(garbage collector)') },
      ],
      samples: [1, 2, 2, 3, 4, 5],
      timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000],
    };
    const s = summarize(profile);
    assert.equal(s.totalMs, 6);
    assert.equal(s.busyMs, 5);
    assert.deepEqual(
      s.packages.map((p) => [p.name, p.share]),
      [
        ['@fastify/reply-from', 40],
        ['libs/platform/src/cache.ts', 20],
        ['node:internal/streams/readable', 20],
        ['(garbage collector)', 20],
      ],
    );
  });
});
