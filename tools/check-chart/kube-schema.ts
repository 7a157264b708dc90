// Validates rendered objects two ways:
// 1. against the OpenAPI schemas that kubernetes-models and its CRD packages compile into validators (types, enums,
//    required fields): the core schemas there are from a newer Kubernetes, a superset of 1.31;
// 2. for unknown fields, which those validators let through, by walking each object against type declarations:
//    Kubernetes 1.31's own (cdk8s-plus-31's k8s.d.ts, generated from the 1.31 OpenAPI), so a field added after 1.31
//    is unknown too; and the CRD packages' declarations for ServiceMonitor, PrometheusRule, ExternalSecret, HTTPRoute.
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { ensureKube131Types } from './setup-helm.ts';
import { ref, type K8sObject } from './render.ts';

/** API versions a Kubernetes 1.31 cluster serves (GA built-ins the chart may use) and the CRDs' packages. */
const BUILT_IN = new Set(['v1', 'apps/v1', 'batch/v1', 'policy/v1', 'autoscaling/v2', 'networking.k8s.io/v1']);
const CRD_PACKAGES: Record<string, string> = {
  'monitoring.coreos.com/v1': '@kubernetes-models/prometheus-operator',
  'external-secrets.io/v1': '@kubernetes-models/external-secrets',
  'gateway.networking.k8s.io/v1': '@kubernetes-models/gateway-api',
};

interface ModelClass {
  new (data: unknown): { validate(): void };
}

function modelSpecifier(apiVersion: string, kind: string): string | undefined {
  if (BUILT_IN.has(apiVersion)) return `kubernetes-models/${apiVersion}/${kind}`;
  const pkg = CRD_PACKAGES[apiVersion];
  return pkg ? `${pkg}/${apiVersion}/${kind}` : undefined;
}

/** The object without the checker's own bookkeeping. */
function manifest(o: K8sObject): Record<string, unknown> {
  const { source: _source, ...data } = o;
  return data;
}

/** Schema errors of one object (types, enums, required fields), as "Kind/name: /path message". */
export async function schemaErrors(o: K8sObject): Promise<string[]> {
  const spec = modelSpecifier(o.apiVersion, o.kind);
  if (!spec) return [`${ref(o)}: ${o.apiVersion} ${o.kind} is neither served by Kubernetes 1.31 nor a known CRD`];
  let model: ModelClass | undefined;
  try {
    model = ((await import(spec)) as Record<string, ModelClass | undefined>)[o.kind];
  } catch {
    model = undefined;
  }
  if (!model) return [`${ref(o)}: no schema for ${o.apiVersion} ${o.kind}`];
  try {
    new model(manifest(o)).validate();
    return [];
  } catch (err) {
    const details = (err as { details?: Array<{ instancePath: string; message?: string; params?: unknown }> }).details;
    if (!details) return [`${ref(o)}: ${(err as Error).message}`];
    return details.map((d) =>
      `${ref(o)}: ${d.instancePath || '/'} ${d.message ?? 'is invalid'} ${d.params ? JSON.stringify(d.params) : ''}`.trim(),
    );
  }
}

/** Walks objects against TypeScript declarations of the API types to find fields the API does not have. */
export class UnknownFieldChecker {
  private readonly checker: ts.TypeChecker;
  /** "group.version.Kind" (core.v1.Service) -> the 1.31 type of the object's body. */
  private readonly kube131 = new Map<string, ts.Type>();
  private readonly objectMeta: ts.Type;
  private readonly crdFiles = new Map<string, string>();
  private readonly fieldCache = new Map<ts.Type, Map<string, ts.Symbol>>();

  constructor() {
    const kubeTypes = ensureKube131Types();
    const crdRoots: string[] = [];
    for (const [apiVersion, pkg] of Object.entries(CRD_PACKAGES)) {
      for (const kind of CRD_KINDS[apiVersion] ?? []) {
        const file = fileURLToPath(import.meta.resolve(`${pkg}/${apiVersion}/${kind}`)).replace(/\.js$/, '.d.ts');
        this.crdFiles.set(`${apiVersion}/${kind}`, file);
        crdRoots.push(file);
      }
    }
    const program = ts.createProgram([kubeTypes, ...crdRoots], { noEmit: true, skipLibCheck: true, types: [] });
    this.checker = program.getTypeChecker();
    const source = program.getSourceFile(kubeTypes);
    if (!source) throw new Error(`cannot read ${kubeTypes}`);
    let objectMeta: ts.Type | undefined;
    for (const statement of source.statements) {
      if (!ts.isInterfaceDeclaration(statement)) continue;
      const schema = schemaTag(statement);
      if (!schema) continue;
      const type = this.checker.getTypeAtLocation(statement.name);
      if (schema === 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta') objectMeta = type;
      // Top-level objects are the Kube<Kind>Props interfaces: io.k8s.api.<group>.<version>.<Kind>.
      const top = /^io\.k8s\.api\.([a-z0-9]+)\.([a-z0-9]+)\.([A-Za-z0-9]+)$/.exec(schema);
      if (top && statement.name.text.startsWith('Kube') && statement.name.text.endsWith('Props')) {
        this.kube131.set(`${top[1]}.${top[2]}.${top[3]}`, type);
      }
    }
    if (!objectMeta || this.kube131.size === 0)
      throw new Error(`${kubeTypes} does not look like the Kubernetes API types`);
    this.objectMeta = objectMeta;
    for (const [key, file] of this.crdFiles) {
      const crd = program.getSourceFile(file);
      const kind = key.split('/').pop() ?? '';
      const decl = crd?.statements.find(
        (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === `I${kind}`,
      );
      if (!decl) throw new Error(`${file} has no interface I${kind}`);
      this.kube131.set(key, this.checker.getTypeAtLocation(decl.name));
    }
  }

  /** Unknown fields of one object, as "Kind/name: .path.to.field is not a field of <Type>". */
  check(o: K8sObject): string[] {
    const data = manifest(o);
    const errors: string[] = [];
    const crd = this.kube131.get(`${o.apiVersion}/${o.kind}`);
    if (crd) {
      this.walk(data, crd, '', errors);
    } else {
      const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['core', o.apiVersion];
      const type = this.kube131.get(`${(group ?? '').split('.')[0]}.${version}.${o.kind}`);
      if (!type) return [`${ref(o)}: ${o.apiVersion} ${o.kind} is not a Kubernetes 1.31 type`];
      // The Props types carry no apiVersion/kind, and declare metadata with a cdk8s type: check it as ObjectMeta.
      const { apiVersion: _a, kind: _k, metadata, ...body } = data;
      this.walk(metadata, this.objectMeta, '.metadata', errors);
      this.walk(body, type, '', errors);
    }
    return errors.map((e) => `${ref(o)}: ${e}`);
  }

  /** JSON field name -> property: the @schema tag names the JSON field where cdk8s renamed it (hostIPC -> hostIpc). */
  private fields(type: ts.Type): Map<string, ts.Symbol> {
    let fields = this.fieldCache.get(type);
    if (!fields) {
      fields = new Map();
      for (const prop of this.checker.getPropertiesOfType(type)) {
        const decl = prop.declarations?.[0];
        const tag = decl ? schemaTag(decl) : undefined;
        fields.set(tag?.includes('#') ? (tag.split('#').pop() ?? prop.name) : prop.name, prop);
      }
      this.fieldCache.set(type, fields);
    }
    return fields;
  }

  private walk(value: unknown, declared: ts.Type, path: string, errors: string[]): void {
    if (value === null || typeof value !== 'object') return;
    const type = this.checker.getNonNullableType(declared);
    if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return;
    const members = type.isUnion() ? type.types : [type];
    if (Array.isArray(value)) {
      const arrayType = members.find((m) => this.checker.isArrayType(m));
      const element = arrayType ? this.checker.getTypeArguments(arrayType as ts.TypeReference)[0] : undefined;
      if (element) {
        for (const [i, item] of value.entries()) this.walk(item, element, `${path}[${i}]`, errors);
      }
      return;
    }
    const shapes = members.filter((m) => m.flags & ts.TypeFlags.Object && !this.checker.isArrayType(m));
    if (shapes.length === 0) return;
    for (const [key, child] of Object.entries(value)) {
      const childPath = `${path}.${key}`;
      const prop = shapes.map((s) => this.fields(s).get(key)).find((p) => p !== undefined);
      if (prop) {
        this.walk(child, this.checker.getTypeOfSymbol(prop), childPath, errors);
        continue;
      }
      const index = shapes
        .map((s) => this.checker.getIndexInfoOfType(s, ts.IndexKind.String))
        .find((i) => i !== undefined);
      if (index) {
        this.walk(child, index.type, childPath, errors);
        continue;
      }
      errors.push(`${childPath} is not a field of ${shapes.map((s) => this.checker.typeToString(s)).join(' | ')}`);
    }
  }
}

/** The CRD kinds the chart renders. */
const CRD_KINDS: Record<string, string[]> = {
  'monitoring.coreos.com/v1': ['PodMonitor', 'PrometheusRule'],
  'external-secrets.io/v1': ['ExternalSecret'],
  'gateway.networking.k8s.io/v1': ['HTTPRoute'],
};

function schemaTag(node: ts.Node): string | undefined {
  const tag = ts.getJSDocTags(node).find((t) => t.tagName.text === 'schema');
  const comment = tag?.comment;
  return typeof comment === 'string' ? comment.trim() : undefined;
}
