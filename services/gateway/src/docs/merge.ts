// Combines the services' OpenAPI documents into the one the gateway publishes: only the operations the gateway
// routes, their components (renamed where two services use one name for different things), and the gateway's own.
import { PUBLIC_ROUTES, openApiPath, type PublicRoute, type Target } from '../proxy/public-routes.ts';

export type PathItem = Record<string, unknown>;
export type ComponentMap = Record<string, Record<string, unknown>>;

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  paths: Record<string, PathItem>;
  components?: ComponentMap;
  tags?: { name: string; description?: string }[];
  [extension: string]: unknown;
}

export interface ServiceDocument {
  target: Target;
  document: OpenApiDocument | undefined;
  /** The service did not answer; `document` is the last one it gave, if any. */
  unavailable: boolean;
}

export interface MergeInput {
  title: string;
  version: string;
  description: string;
  services: ServiceDocument[];
  /** Operations the gateway serves itself. */
  ownPaths: Record<string, PathItem>;
  routes?: readonly PublicRoute[];
}

/** Security schemes are referenced by name from `security`, not by $ref, so they are always kept. */
const KEPT_WHOLE = new Set(['securitySchemes']);

function mapRefs(value: unknown, rename: (ref: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => mapRefs(v, rename));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value))
    out[k] = k === '$ref' && typeof v === 'string' ? rename(v) : mapRefs(v, rename);
  return out;
}

function collectRefs(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) for (const v of value) collectRefs(v, into);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') into.add(v);
      else collectRefs(v, into);
    }
  }
}

const refOf = (kind: string, name: string) => `#/components/${kind}/${name}`;

/** Keeps only the components the kept paths reach, directly or through other components. */
function prune(paths: Record<string, PathItem>, components: ComponentMap): ComponentMap {
  const reached = new Set<string>();
  collectRefs(paths, reached);
  const queue = [...reached];
  for (let ref = queue.pop(); ref !== undefined; ref = queue.pop()) {
    const [, , kind, name] = ref.split('/');
    const target = kind && name ? components[kind]?.[name] : undefined;
    const inner = new Set<string>();
    collectRefs(target, inner);
    for (const r of inner) {
      if (reached.has(r)) continue;
      reached.add(r);
      queue.push(r);
    }
  }
  const out: ComponentMap = {};
  for (const [kind, entries] of Object.entries(components)) {
    for (const [name, def] of Object.entries(entries)) {
      if (!KEPT_WHOLE.has(kind) && !reached.has(refOf(kind, name))) continue;
      const kept = out[kind] ?? {};
      out[kind] = kept;
      kept[name] = def;
    }
  }
  return out;
}

export function mergeDocuments(input: MergeInput): OpenApiDocument {
  const routes = input.routes ?? PUBLIC_ROUTES;
  const paths: Record<string, PathItem> = structuredClone(input.ownPaths);
  const components: ComponentMap = {};
  const tags = new Map<string, { name: string; description?: string }>();

  for (const service of input.services) {
    const doc = service.document;
    if (!doc) continue;
    // A name another service already uses for something else gets this service's prefix, and so do its refs.
    const renamed = new Map<string, string>();
    for (const [kind, entries] of Object.entries(doc.components ?? {})) {
      for (const [name, def] of Object.entries(entries)) {
        const taken = components[kind]?.[name];
        if (taken !== undefined && JSON.stringify(taken) !== JSON.stringify(def))
          renamed.set(refOf(kind, name), refOf(kind, `${service.target}.${name}`));
      }
    }
    const rename = (ref: string) => renamed.get(ref) ?? ref;
    for (const [kind, entries] of Object.entries(doc.components ?? {})) {
      for (const [name, def] of Object.entries(entries)) {
        const finalName = rename(refOf(kind, name)).split('/').at(-1) ?? name;
        const group = components[kind] ?? {};
        components[kind] = group;
        group[finalName] ??= mapRefs(def, rename);
      }
    }
    for (const route of routes.filter((r) => r.target === service.target)) {
      const path = openApiPath(route.url);
      const method = route.method.toLowerCase();
      const item = doc.paths?.[path];
      const operation = item?.[method];
      if (operation === undefined) continue;
      const merged = paths[path] ?? {};
      paths[path] = merged;
      merged[method] = mapRefs(operation, rename);
      if (item?.parameters !== undefined) merged.parameters ??= mapRefs(item.parameters, rename);
    }
    for (const tag of doc.tags ?? []) if (!tags.has(tag.name)) tags.set(tag.name, tag);
  }

  const missing = input.services
    .filter((s) => s.unavailable)
    .map((s) => (s.document ? `${s.target} (last known)` : s.target));
  const description = missing.length
    ? `${input.description} Not answering when this was assembled: ${missing.join(', ')}.`
    : input.description;
  return {
    openapi: '3.1.0',
    info: { title: input.title, version: input.version, description },
    paths,
    components: prune(paths, components),
    ...(tags.size ? { tags: [...tags.values()] } : {}),
  };
}
