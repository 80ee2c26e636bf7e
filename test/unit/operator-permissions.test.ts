// The permissions the operator checks at startup (k8s/operator-permissions.ts) are exactly the
// rules deploy/ grants: neither can change without the other.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { accessChecks } from '../../k8s/operator-permissions.ts';

interface Rule { apiGroups: string[]; resources: string[]; verbs: string[] }

test('the startup RBAC check asks for exactly what the ClusterRole etcd-operator grants', () => {
  const docs = parseAllDocuments(readFileSync(new URL('../../deploy/rbac/operator.yaml', import.meta.url), 'utf8')).map((d) => d.toJS() as { kind: string; metadata: { name: string }; rules?: Rule[] });
  const role = docs.find((d) => d.kind === 'ClusterRole' && d.metadata.name === 'etcd-operator');
  assert.ok(role?.rules, 'ClusterRole etcd-operator in deploy/rbac/operator.yaml');
  const granted = role.rules.flatMap((r) => r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res}:${v}`)))).sort();
  const checked = accessChecks().map((c) => `${c.group}/${c.resource}${c.subresource ? `/${c.subresource}` : ''}:${c.verb}`).sort();
  assert.deepEqual(checked, granted);
});
