// zod -> Kubernetes structural OpenAPI v3 schema. z.toJSONSchema gives JSON Schema 2020-12; the API
// server wants a structural subset: a type on every node, no $ref/oneOf/allOf, no `const`,
// boolean exclusive bounds. Anything this converter does not understand throws, so a schema edit
// that the API server would reject fails the generator (and its test) instead of the install.
import { z } from 'zod';
import type { CelRule } from './crd-rules.ts';

type SchemaType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';

export interface JSONSchemaProps {
  description?: string;
  type?: SchemaType;
  format?: string;
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  exclusiveMinimum?: boolean;
  maximum?: number;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  anyOf?: JSONSchemaProps[];
  properties?: Record<string, JSONSchemaProps>;
  required?: string[];
  items?: JSONSchemaProps;
  additionalProperties?: JSONSchemaProps;
  'x-kubernetes-preserve-unknown-fields'?: true;
  'x-kubernetes-int-or-string'?: true;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-validations'?: CelRule[];
}

type Json = Record<string, unknown>;
const TYPES: readonly string[] = ['object', 'array', 'string', 'integer', 'number', 'boolean'];
// Keywords copied as they are.
const SCALARS = ['description', 'format', 'enum', 'default', 'minimum', 'maximum', 'minLength', 'maxLength', 'pattern',
  'minItems', 'maxItems', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys'] as const;
// Keywords handled below or dropped on purpose.
const HANDLED = new Set<string>([...SCALARS, '$schema', 'type', 'const', 'exclusiveMinimum', 'exclusiveMaximum', 'properties',
  'required', 'items', 'additionalProperties', 'propertyNames', 'anyOf', 'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string']);
const SAFE = Number.MAX_SAFE_INTEGER;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const fail = (path: string, what: string): never => {
  throw new Error(`structural schema: ${what} at ${path || '<root>'}`);
};

function convert(node: unknown, path: string): JSONSchemaProps {
  if (!isObject(node)) return fail(path, 'expected a schema object');
  for (const key of Object.keys(node)) if (!HANDLED.has(key)) fail(path, `unsupported keyword "${key}"`);
  const out: JSONSchemaProps = {};
  if (typeof node.description === 'string') out.description = node.description;
  if ('default' in node) out.default = node.default;

  if (node['x-kubernetes-int-or-string'] === true) {
    // controller-gen's shape for resource.Quantity: anyOf integer|string, the pattern for the string form.
    const str = Array.isArray(node.anyOf) ? node.anyOf.find((b) => isObject(b) && b.type === 'string') : undefined;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
    if (isObject(str) && typeof str.pattern === 'string') out.pattern = str.pattern;
    out['x-kubernetes-int-or-string'] = true;
    return out;
  }
  if (node['x-kubernetes-preserve-unknown-fields'] === true) {
    out.type = 'object';
    out['x-kubernetes-preserve-unknown-fields'] = true;
    return out;
  }
  if ('anyOf' in node) fail(path, 'anyOf (unions) outside an int-or-string value');
  if (typeof node.type !== 'string' || !TYPES.includes(node.type)) fail(path, 'every node needs a single type');
  out.type = node.type as SchemaType;

  for (const key of SCALARS) if (key in node && key !== 'description' && key !== 'default') (out as Json)[key] = node[key];
  if ('const' in node) out.enum = [node.const];
  // zod bounds z.int() to the safe-integer range: noise in a CRD.
  if (out.minimum === -SAFE) delete out.minimum;
  if (out.maximum === SAFE) delete out.maximum;
  // JSON Schema 2020-12 exclusive bounds are numbers; OpenAPI v3.0 has a number plus a boolean flag.
  if (typeof node.exclusiveMinimum === 'number') Object.assign(out, { minimum: node.exclusiveMinimum, exclusiveMinimum: true });
  if (typeof node.exclusiveMaximum === 'number') Object.assign(out, { maximum: node.exclusiveMaximum, exclusiveMaximum: true });
  // Kubernetes validates date-time itself; zod's long ISO regex adds nothing.
  if (out.format === 'date-time') delete out.pattern;

  if (isObject(node.properties)) {
    out.properties = Object.fromEntries(Object.entries(node.properties).map(([k, v]) => [k, convert(v, `${path}.${k}`)]));
  }
  if (Array.isArray(node.required) && node.required.length > 0) out.required = node.required as string[];
  if ('items' in node) out.items = convert(node.items, `${path}[]`);
  const extra = node.additionalProperties;
  if (extra === true) fail(path, 'open object: mark it with PRESERVE_UNKNOWN');
  if (isObject(extra)) {
    if (Object.keys(extra).length === 0) fail(path, 'values of unknown type: mark the object with PRESERVE_UNKNOWN');
    if (out.properties && Object.keys(out.properties).length > 0) fail(path, 'both properties and additionalProperties');
    delete out.properties;
    out.additionalProperties = convert(extra, `${path}.*`);
  }
  return out;
}

/** The structural schema of what users write (zod input: defaults are not required). */
export function toStructuralSchema(schema: z.ZodType): JSONSchemaProps {
  return convert(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'throw' }), '');
}

/** Visits every schema node with its path (`.spec.storage.size`, `[]` for items, `.*` for map values). */
export function walkSchema(node: JSONSchemaProps, visit: (node: JSONSchemaProps, path: string) => void, path = ''): void {
  visit(node, path);
  for (const [k, v] of Object.entries(node.properties ?? {})) walkSchema(v, visit, `${path}.${k}`);
  if (node.items) walkSchema(node.items, visit, `${path}[]`);
  if (node.additionalProperties) walkSchema(node.additionalProperties, visit, `${path}.*`);
}
