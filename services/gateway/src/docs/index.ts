// /docs: Swagger UI over the combined public API, and the document itself at /docs/json (and /docs/yaml).
// The document is assembled from each service's /docs/json, reused for DOCS_CACHE_SECONDS, and assembled from
// whatever answers: a service that is down keeps its last known part, or is left out until it is back.
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { App } from '@shipshape/platform/service';
import { mergeDocuments, type OpenApiDocument, type PathItem, type ServiceDocument } from './merge.ts';
import type { Target } from '../proxy/public-routes.ts';

export interface DocsSource {
  target: Target;
  /** The service's base URL; its document is at /docs/json. */
  baseUrl: string;
}

export interface DocsOptions {
  title: string;
  version: string;
  description: string;
  sources: DocsSource[];
  ownPaths: Record<string, PathItem>;
  cacheMs: number;
  fetchTimeoutMs: number;
}

/** A document that failed to assemble is retried sooner than a complete one. */
const PARTIAL_CACHE_MS = 5000;

function isOpenApiDocument(value: unknown): value is OpenApiDocument {
  const v = value as Partial<OpenApiDocument> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.openapi === 'string' &&
    typeof v.paths === 'object' &&
    v.paths !== null
  );
}

export class CombinedDocs {
  current: OpenApiDocument;
  private readonly o: DocsOptions;
  private readonly log: FastifyBaseLogger;
  private readonly lastKnown = new Map<Target, OpenApiDocument>();
  private freshUntil = 0;
  private inflight: Promise<OpenApiDocument> | undefined;

  constructor(o: DocsOptions, log: FastifyBaseLogger) {
    this.o = o;
    this.log = log;
    this.current = mergeDocuments({
      ...o,
      services: o.sources.map((s) => ({ target: s.target, document: undefined, unavailable: true })),
    });
  }

  /** The combined document, assembled again once the cached one is older than the cache time. */
  async get(): Promise<OpenApiDocument> {
    if (Date.now() < this.freshUntil) return this.current;
    this.inflight ??= this.assemble().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async fetchOne(source: DocsSource): Promise<ServiceDocument> {
    try {
      const res = await fetch(new URL('/docs/json', source.baseUrl), {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(this.o.fetchTimeoutMs),
      });
      if (!res.ok) throw new Error(`answered ${res.status}`);
      const body: unknown = await res.json();
      if (!isOpenApiDocument(body)) throw new Error('answered something that is not an OpenAPI document');
      this.lastKnown.set(source.target, body);
      return { target: source.target, document: body, unavailable: false };
    } catch (err) {
      this.log.warn(
        { target: source.target, err: { message: (err as Error).message } },
        'could not fetch the API docs of a service',
      );
      return { target: source.target, document: this.lastKnown.get(source.target), unavailable: true };
    }
  }

  private async assemble(): Promise<OpenApiDocument> {
    const services = await Promise.all(this.o.sources.map((s) => this.fetchOne(s)));
    this.current = mergeDocuments({ ...this.o, services });
    const complete = services.every((s) => !s.unavailable);
    this.freshUntil = Date.now() + (complete ? this.o.cacheMs : Math.min(this.o.cacheMs, PARTIAL_CACHE_MS));
    return this.current;
  }
}

export default async function docsRoutes(app: App, o: DocsOptions) {
  const docs = new CombinedDocs(o, app.log);
  // Static mode: the UI serves whatever transformSpecification returns, i.e. the latest combined document.
  await app.register(swagger, {
    mode: 'static',
    specification: { document: docs.current },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // Swagger UI's own CSP (script and style hashes) replaces the API's stricter one on /docs only; it must not
    // upgrade to https, or the UI breaks when reached over plain http inside the cluster or on a laptop.
    staticCSP: true,
    transformStaticCSP: (header: string) => header.replace(/\s*upgrade-insecure-requests;?/, ''),
    uiHooks: {
      preHandler: async (request: FastifyRequest) => {
        const route = request.routeOptions.url ?? '';
        if (route.endsWith('/json') || route.endsWith('/yaml')) await docs.get();
      },
    },
    transformSpecificationClone: false,
    transformSpecification: () => docs.current,
  });
}
