// `kubectl explain` describes every field: each property of each CRD's schema has a description
// (generated from the zod schemas' .describe()), except the object metadata Kubernetes documents.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

interface Schema { description?: string; properties?: Record<string, Schema>; items?: Schema; additionalProperties?: Schema | boolean }

function undescribed(s: Schema, path: string, out: string[]): string[] {
  for (const [k, v] of Object.entries(s.properties ?? {})) {
    if (path === '' && ['apiVersion', 'kind', 'metadata'].includes(k)) continue;
    if (!v.description) out.push(`${path}.${k}`);
    undescribed(v, `${path}.${k}`, out);
  }
  if (s.items) undescribed(s.items, `${path}[]`, out);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') undescribed(s.additionalProperties, `${path}{}`, out);
  return out;
}

const dir = new URL('../../deploy/crds/', import.meta.url);
describe('CRD field descriptions (kubectl explain)', () => {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(readFileSync(new URL(file, dir), 'utf8')).map((d) => d.toJS() as { kind?: string; spec?: { versions: { name: string; schema: { openAPIV3Schema: Schema } }[] } })) {
      if (doc?.kind !== 'CustomResourceDefinition') continue;
      for (const v of doc.spec!.versions) {
        it(`${file} ${v.name}: every field has a description`, () => {
          assert.deepEqual(undescribed(v.schema.openAPIV3Schema, '', []), []);
        });
      }
    }
  }
});
