// V8 CPU profiles of the services under the benchmark's load (`npm run bench -- --profile DIR`), reduced to what a
// reader needs first: the busy share of each service's time, and where its busy time went, by package and by
// function (self time). The .cpuprofile files stay beside the summary for a flame graph (Chrome DevTools, speedscope).
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Milliseconds covered by the profile, and how many of them the service was running JavaScript or V8 work. */
  totalMs: number;
  busyMs: number;
  /** Self time as a share of busy time, largest first. */
  packages: { name: string; share: number }[];
  functions: { name: string; share: number }[];
}

/** Where a frame's code lives: an npm package, a Node internal, one of our modules, or V8 itself. */
export function ownerOf(frame: CallFrame): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(frame.url);
  if (pkg?.[1]) return pkg[1];
  const ours = /\/((?:libs|services|tools)\/[^/]+\/(?:src\/)?[^?]*)$/.exec(frame.url);
  if (ours?.[1]) return ours[1];
  if (frame.url.startsWith('node:')) return frame.url;
  if (frame.url === '') return `(${frame.functionName.replace(/[()]/g, '') || 'native'})`;
  return frame.url;
}

const IDLE = new Set(['(idle)', '(program)']);

export function summarize(profile: CpuProfile, top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const packages = new Map<string, number>();
  const functions = new Map<string, number>();
  let totalUs = 0;
  let busyUs = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    totalUs += us;
    const frame = byId.get(id)?.callFrame;
    if (!frame || IDLE.has(frame.functionName)) return;
    busyUs += us;
    const owner = ownerOf(frame);
    packages.set(owner, (packages.get(owner) ?? 0) + us);
    const fn = frame.url
      ? `${frame.functionName || '(anonymous)'} (${owner}:${frame.lineNumber + 1})`
      : `${frame.functionName || '(native)'} (V8 or native)`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
  });
  const ranked = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, share: busyUs > 0 ? Math.round((us / busyUs) * 1000) / 10 : 0 }));
  return {
    totalMs: Math.round(totalUs / 1000),
    busyMs: Math.round(busyUs / 1000),
    packages: ranked(packages),
    functions: ranked(functions),
  };
}

/** Summarises every profile under `dir`/<service>/ into `dir`/summary.md and returns the text. */
export async function summarizeProfiles(dir: string): Promise<string> {
  const lines = ['# CPU profiles under load', ''];
  for (const service of (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory())) {
    const files = (await readdir(join(dir, service.name))).filter((f) => f.endsWith('.cpuprofile'));
    for (const file of files) {
      const s = summarize(JSON.parse(await readFile(join(dir, service.name, file), 'utf8')) as CpuProfile);
      lines.push(
        `## ${service.name}`,
        '',
        `${file}: busy ${(s.busyMs / 1000).toFixed(1)} s of ${(s.totalMs / 1000).toFixed(1)} s.`,
        '',
        '| self time by package | share of busy time |',
        '| --- | ---: |',
        ...s.packages.map((p) => `| ${p.name} | ${p.share}% |`),
        '',
        '| self time by function | share of busy time |',
        '| --- | ---: |',
        ...s.functions.map((f) => `| \`${f.name.replaceAll('|', '\\|')}\` | ${f.share}% |`),
        '',
      );
    }
  }
  const text = lines.join('\n');
  await writeFile(join(dir, 'summary.md'), text);
  return text;
}
