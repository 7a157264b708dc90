// Builds every service image from the one Dockerfile (build arguments SERVICE and PORT from tools/dev/services.ts),
// on the local Node base stand-in unless NODE_BASE names another base (the official one, where a registry is
// reachable). Podman's layer cache makes a rebuild of unchanged sources take seconds; the npm cache mount keeps
// `npm ci` from refetching packages.
//   npm run containers:build          # builds them all, prints name, size and build time
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { DOCKERFILE, REGISTRY, SERVICES, type ServiceName } from '../dev/services.ts';
import { ensureLocalNodeBase } from './base-image.ts';
import { podman, ROOT } from './podman.ts';

export const IMAGE_TAG = process.env.SHIPSHAPE_TAG ?? 'dev';
/**
 * The tag the checks build under: one per checkout, so two checkouts testing on one machine never run each other's
 * images (the layer cache is still shared).
 */
export const CHECK_TAG = `check-${createHash('sha256').update(ROOT).digest('hex').slice(0, 10)}`;
/** The names compose.yaml gives the images (`shipshape/<service>:${SHIPSHAPE_TAG:-dev}`), as podman stores them. */
export const imageName = (service: ServiceName, tag = IMAGE_TAG): string => `localhost/shipshape/${service}:${tag}`;

/** The port a service listens on when PORT is not set: what its image EXPOSEs and its HEALTHCHECK probes. */
export const defaultPort = (service: ServiceName): number => REGISTRY[service].port;

export interface BuiltImage {
  service: ServiceName;
  image: string;
  /** Uncompressed size of all its layers, base included. */
  sizeBytes: number;
  buildMs: number;
}

export async function nodeBase(): Promise<string> {
  return process.env.NODE_BASE ?? (await ensureLocalNodeBase());
}

export async function imageSize(image: string): Promise<number> {
  return Number((await podman(['image', 'inspect', '--format', '{{.Size}}', image])).trim());
}

export async function buildImage(service: ServiceName, base: string, tag = IMAGE_TAG): Promise<BuiltImage> {
  const started = performance.now();
  const image = imageName(service, tag);
  await podman(
    [
      'build',
      // Docker's image format: OCI images have no HEALTHCHECK.
      '--format',
      'docker',
      '--build-arg',
      `NODE_BASE=${base}`,
      ...Object.entries(REGISTRY[service].imageArgs).flatMap(([name, value]) => ['--build-arg', `${name}=${value}`]),
      '--file',
      join(ROOT, DOCKERFILE),
      '--tag',
      image,
      ROOT,
    ],
    { timeoutMs: 900_000 },
  );
  return { service, image, sizeBytes: await imageSize(image), buildMs: Math.round(performance.now() - started) };
}

/** One after another: builds are CPU-bound, and the shared layers (deps, init) come from the cache after the first. */
export async function buildAllImages(base?: string, tag = IMAGE_TAG): Promise<BuiltImage[]> {
  const from = base ?? (await nodeBase());
  const built: BuiltImage[] = [];
  for (const service of SERVICES) built.push(await buildImage(service, from, tag));
  return built;
}

export const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

if (import.meta.main && process.argv[2] === '--stand-ins') {
  console.log(await buildStandIns(await nodeBase()));
} else if (import.meta.main) {
  const base = await nodeBase();
  const baseSize = await imageSize(base);
  console.log(`base ${base}: ${megabytes(baseSize)}`);
  for (const b of await buildAllImages(base))
    console.log(
      `${b.image}: ${megabytes(b.sizeBytes)} (base + ${megabytes(b.sizeBytes - baseSize)}), built in ${(b.buildMs / 1000).toFixed(1)} s`,
    );
}

/**
 * Local stand-ins for the registry images compose.yaml runs (deploy/containers/standins/<name>/Dockerfile), on the
 * same Debian base: compose's image name (without tag) → the local image.
 */
export async function buildStandIns(base: string, tag = IMAGE_TAG): Promise<Record<string, string>> {
  const standIns: Record<string, string> = {};
  for (const name of ['postgres', 'redis']) {
    const image = `localhost/shipshape/standin-${name}:${tag}`;
    await podman(
      [
        'build',
        '--format',
        'docker',
        '--build-arg',
        `BASE=${base}`,
        '--tag',
        image,
        `${ROOT}/deploy/containers/standins/${name}`,
      ],
      { timeoutMs: 900_000 },
    );
    standIns[name] = image;
  }
  return standIns;
}
