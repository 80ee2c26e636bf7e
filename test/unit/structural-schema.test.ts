import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { INT_OR_STRING, PRESERVE_UNKNOWN } from '../../k8s/cluster-spec.ts';
import { toStructuralSchema, walkSchema, type JSONSchemaProps } from '../../k8s/structural-schema.ts';

describe('toStructuralSchema turns zod into a Kubernetes structural schema', () => {
  const cases: { name: string; schema: z.ZodType; want: JSONSchemaProps }[] = [
    {
      name: 'bounded integer with a default and a description',
      schema: z.int().min(1).max(9).default(3).describe('members'),
      want: { description: 'members', default: 3, type: 'integer', minimum: 1, maximum: 9 },
    },
    { name: 'zod\'s safe-integer bounds are dropped', schema: z.int(), want: { type: 'integer' } },
    {
      name: 'exclusive bounds become OpenAPI v3.0 boolean flags',
      schema: z.number().positive(),
      want: { type: 'number', minimum: 0, exclusiveMinimum: true },
    },
    { name: 'a literal becomes a one-value enum', schema: z.literal('x'), want: { type: 'string', enum: ['x'] } },
    { name: 'an enum keeps its values', schema: z.enum(['a', 'b']), want: { type: 'string', enum: ['a', 'b'] } },
    {
      name: 'a string map keeps only additionalProperties (no propertyNames)',
      schema: z.record(z.string(), z.string()),
      want: { type: 'object', additionalProperties: { type: 'string' } },
    },
    {
      name: 'a pass-through object is preserved verbatim',
      schema: z.record(z.string(), z.unknown()).meta(PRESERVE_UNKNOWN),
      want: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    },
    {
      name: 'an int-or-string union takes controller-gen\'s quantity shape',
      schema: z.union([z.int(), z.string().regex(/^[0-9]+m$/)]).meta(INT_OR_STRING),
      want: { anyOf: [{ type: 'integer' }, { type: 'string' }], pattern: '^[0-9]+m$', 'x-kubernetes-int-or-string': true },
    },
    { name: 'date-time drops zod\'s long regex', schema: z.iso.datetime(), want: { type: 'string', format: 'date-time' } },
    {
      name: 'objects keep required fields; fields with defaults are not required',
      schema: z.object({ a: z.string(), b: z.boolean().default(false) }),
      want: { type: 'object', properties: { a: { type: 'string' }, b: { default: false, type: 'boolean' } }, required: ['a'] },
    },
    {
      name: 'a strict object loses additionalProperties: false (pruning does that job)',
      schema: z.strictObject({ a: z.string().optional() }),
      want: { type: 'object', properties: { a: { type: 'string' } } },
    },
    {
      name: 'arrays keep maxItems and convert their items',
      schema: z.array(z.string().max(3)).max(5),
      want: { type: 'array', maxItems: 5, items: { type: 'string', maxLength: 3 } },
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(toStructuralSchema(c.schema), c.want));
});

describe('toStructuralSchema refuses what the API server would refuse', () => {
  const cases: { name: string; schema: z.ZodType; error: RegExp }[] = [
    { name: 'a union of scalar types', schema: z.object({ u: z.union([z.string(), z.boolean()]) }), error: /single type at \.u/ },
    { name: 'a nullable field', schema: z.object({ n: z.string().nullable() }), error: /single type at \.n/ },
    { name: 'a union of objects', schema: z.object({ o: z.union([z.object({ a: z.string() }), z.object({ b: z.int() })]) }), error: /anyOf .* at \.o/ },
    { name: 'a map of unknown values without the pass-through marker', schema: z.record(z.string(), z.unknown()), error: /PRESERVE_UNKNOWN/ },
    { name: 'a loose object without the marker', schema: z.looseObject({ a: z.string() }), error: /PRESERVE_UNKNOWN/ },
    { name: 'a tuple', schema: z.tuple([z.string(), z.int()]), error: /unsupported keyword "prefixItems"/ },
  ];
  for (const c of cases) it(c.name, () => assert.throws(() => toStructuralSchema(c.schema), c.error));
});

describe('walkSchema', () => {
  it('visits properties, array items and map values with their paths', () => {
    const paths: string[] = [];
    walkSchema(toStructuralSchema(z.object({ a: z.array(z.object({ b: z.string() })), m: z.record(z.string(), z.int()) })), (_n, p) => paths.push(p));
    assert.deepEqual(paths, ['', '.a', '.a[]', '.a[].b', '.m', '.m.*']);
  });
});
