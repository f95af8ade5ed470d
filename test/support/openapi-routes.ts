import { ROLE_PERMISSIONS, ROLES, type Permission, type Role } from '@clientele/staff';
import type { TestApp } from './test-app';

/** A JSON schema as @nestjs/swagger writes one: only what the route table reads. */
export interface Schema {
  $ref?: string;
  allOf?: Schema[];
  type?: string;
  format?: string;
  enum?: unknown[];
  example?: unknown;
  nullable?: boolean;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
}

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** One operation of the OpenAPI document, its body schema resolved. */
export interface Operation {
  method: Method;
  path: string;
  /** `x-permission`: absent on public routes. */
  permission?: Permission;
  pathParams: string[];
  /** The JSON body's schema, when the operation takes one. */
  body?: Schema;
  /** The media types it takes instead of JSON: the file itself (an image, a PDF). */
  fileTypes: string[];
  /** The parts of a multipart/form-data body (a CSV upload), when it takes one. */
  multipart?: Schema;
}

interface Document {
  paths: Record<
    string,
    Record<
      string,
      {
        'x-permission'?: Permission;
        parameters?: { in: string; name: string }[];
        requestBody?: { content: Record<string, { schema?: Schema }> };
      }
    >
  >;
  components: { schemas: Record<string, Schema> };
}

/** Every operation the API documents, read from its own /docs/openapi.json. */
export async function routeTable(t: TestApp): Promise<Operation[]> {
  const reply = await t.call('GET', '/docs/openapi.json');
  if (reply.status !== 200) throw new Error(`/docs/openapi.json answered ${reply.status}`);
  const document = reply.body as Document;
  const resolve = (schema: Schema): Schema => {
    if (schema.$ref) {
      const name = schema.$ref.replace('#/components/schemas/', '');
      return resolve(document.components.schemas[name]!);
    }
    if (schema.allOf?.length === 1) return resolve(schema.allOf[0]!);
    return schema;
  };
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const content = operation.requestBody?.content ?? {};
      const json = content['application/json']?.schema;
      const multipart = content['multipart/form-data']?.schema;
      operations.push({
        method: method.toUpperCase() as Method,
        path,
        ...(operation['x-permission'] ? { permission: operation['x-permission'] } : {}),
        pathParams: (operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
        ...(json ? { body: deepResolve(json, resolve) } : {}),
        ...(multipart ? { multipart: deepResolve(multipart, resolve) } : {}),
        fileTypes: Object.keys(content).filter(
          (type) => type !== 'application/json' && type !== 'multipart/form-data',
        ),
      });
    }
  }
  return operations;
}

function deepResolve(schema: Schema, resolve: (schema: Schema) => Schema, depth = 0): Schema {
  const resolved = resolve(schema);
  if (depth > 5) return resolved;
  const properties = resolved.properties
    ? Object.fromEntries(
        Object.entries(resolved.properties).map(([k, v]) => [
          k,
          deepResolve(v, resolve, depth + 1),
        ]),
      )
    : undefined;
  const items = resolved.items ? deepResolve(resolved.items, resolve, depth + 1) : undefined;
  return { ...resolved, ...(properties ? { properties } : {}), ...(items ? { items } : {}) };
}

/** The role with the fewest permissions that lacks this one; none when every role holds it. */
export function roleWithout(permission: Permission): Role | undefined {
  return [...ROLES]
    .filter((role) => !ROLE_PERMISSIONS[role].includes(permission))
    .sort((a, b) => ROLE_PERMISSIONS[a].length - ROLE_PERMISSIONS[b].length)[0];
}

/** A path with its parameters filled in: `ids(name, segmentBefore)` names each. */
export function fill(path: string, ids: (param: string, collection: string) => string): string {
  const segments = path.split('/');
  return segments
    .map((segment, i) => {
      const match = /^\{(\w+)\}$/.exec(segment);
      return match ? encodeURIComponent(ids(match[1]!, segments[i - 1] ?? '')) : segment;
    })
    .join('/');
}

/** A body the schema allows, as far as types and examples tell: `idFor` names known ids. */
export function sampleBody(schema: Schema, idFor: (field: string) => string | undefined): unknown {
  const value = (field: string, s: Schema): unknown => {
    const id = idFor(field);
    if (id !== undefined && (s.type === 'string' || s.type === undefined)) return id;
    if (s.example !== undefined) return s.example;
    if (s.enum?.length) return s.enum[0];
    switch (s.type) {
      case 'string':
        return 'sample';
      case 'number':
      case 'integer':
        return 1;
      case 'boolean':
        return true;
      case 'array':
        return s.items ? [value(field, s.items)] : [];
      default:
        return s.properties ? sampleBody(s, idFor) : s.nullable ? null : {};
    }
  };
  const body: Record<string, unknown> = {};
  for (const name of schema.required ?? []) {
    const property = schema.properties?.[name];
    if (property) body[name] = value(name, property);
  }
  return body;
}

/** Every field of a body schema, nested ones as `a.b`, with its schema and whether it is required. */
export function fieldsOf(schema: Schema, prefix = ''): [string, Schema, boolean][] {
  return Object.entries(schema.properties ?? {}).flatMap(([name, property]) => {
    const path = prefix ? `${prefix}.${name}` : name;
    const required = schema.required?.includes(name) ?? false;
    const nested = property.properties ? fieldsOf(property, path) : [];
    return [[path, property, required] as [string, Schema, boolean], ...nested];
  });
}

/** A copy of `body` with the field at `path` set to `value`, parents made as needed. */
export function withField(body: unknown, path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone((body ?? {}) as Record<string, unknown>) as Record<string, unknown>;
  const keys = path.split('.');
  let target = copy;
  for (const key of keys.slice(0, -1)) {
    const next = target[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) target[key] = {};
    target = target[key] as Record<string, unknown>;
  }
  target[keys[keys.length - 1]!] = value;
  return copy;
}

/** A small seeded generator (mulberry32): the same sample every run of one seed. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

export function sample<T>(items: T[], count: number, random: () => number): T[] {
  const pool = [...items];
  const chosen: T[] = [];
  while (pool.length > 0 && chosen.length < count) {
    chosen.push(pool.splice(Math.floor(random() * pool.length), 1)[0]!);
  }
  return chosen;
}
