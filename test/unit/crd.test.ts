import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { attachCelRules, crdFiles, etcdBackupCrd, etcdUserCrd, etcdClusterCrd } from '../../k8s/crd.ts';
import { CLUSTER_CEL_RULES } from '../../k8s/crd-rules.ts';
import { walkSchema, type JSONSchemaProps } from '../../k8s/structural-schema.ts';

const crd = etcdClusterCrd();
const version = crd.spec.versions[0]!;
const root = version.schema.openAPIV3Schema;

/** Schema node at a simple JSONPath like `.spec.size`. */
function nodeAt(path: string): JSONSchemaProps | undefined {
  return path.split('.').slice(1).reduce<JSONSchemaProps | undefined>((n, k) => n?.properties?.[k], root);
}

describe('EtcdCluster CRD identity', () => {
  const cases: [string, unknown, unknown][] = [
    ['name', crd.metadata.name, 'etcdclusters.etcd.operator.dev'],
    ['group', crd.spec.group, 'etcd.operator.dev'],
    ['scope', crd.spec.scope, 'Namespaced'],
    ['names', crd.spec.names, { kind: 'EtcdCluster', listKind: 'EtcdClusterList', singular: 'etcdcluster', plural: 'etcdclusters', shortNames: ['etcd'], categories: ['etcd'] }],
    ['one served storage version v1alpha1', crd.spec.versions.map((v) => [v.name, v.served, v.storage]), [['v1alpha1', true, true]]],
  ];
  for (const [name, got, want] of cases) it(name, () => assert.deepEqual(got, want));
});

describe('EtcdCluster CRD subresources', () => {
  it('has a status subresource', () => assert.deepEqual(version.subresources?.status, {}));
  it('has a scale subresource on spec.size / status.readyMembers / status.selector', () =>
    assert.deepEqual(version.subresources?.scale, { specReplicasPath: '.spec.size', statusReplicasPath: '.status.readyMembers', labelSelectorPath: '.status.selector' }));
  it('scale paths point at integer fields and the selector at a string', () => {
    assert.equal(nodeAt('.spec.size')?.type, 'integer');
    assert.equal(nodeAt('.status.readyMembers')?.type, 'integer');
    assert.equal(nodeAt('.status.selector')?.type, 'string');
  });
});

describe('EtcdCluster CRD printer columns', () => {
  const want: [string, string, string][] = [
    ['Size', 'integer', '.spec.size'],
    ['Ready', 'integer', '.status.readyMembers'],
    ['Version', 'string', '.status.currentVersion'],
    ['Available', 'string', '.status.conditions[?(@.type=="Available")].status'],
    ['Operation', 'string', '.status.operation.type'],
    ['Age', 'date', '.metadata.creationTimestamp'],
    ['Step', 'string', '.status.operation.step'],
  ];
  it('lists Size, Ready, Version, Available, Operation, Age, Step (wide) in order', () =>
    assert.deepEqual(version.additionalPrinterColumns?.map((c) => [c.name, c.type, c.jsonPath]), want));
  for (const [name, , path] of want.filter(([, , p]) => /^(\.[A-Za-z]+)+$/.test(p) && !p.startsWith('.metadata'))) {
    it(`column ${name} reads a field the schema declares (${path})`, () => assert.ok(nodeAt(path), `no schema node at ${path}`));
  }
});

describe('EtcdCluster CRD CEL rules', () => {
  for (const r of CLUSTER_CEL_RULES) {
    it(`"${r.message}" sits on ${r.at.join('.') || '<root>'}`, () => {
      const node = r.at.reduce<JSONSchemaProps | undefined>((n, k) => n?.properties?.[k], root);
      const { at: _at, ...rule } = r;
      assert.ok(node?.['x-kubernetes-validations']?.some((v) => JSON.stringify(v) === JSON.stringify(rule)));
    });
  }
  const expected: [string, RegExp, RegExp][] = [
    ['storageClassName immutable once set', /oldSelf\.storageClassName/, /spec\.storage\.storageClassName/],
    ['emptyDir immutable', /oldSelf\.emptyDir/, /spec\.storage\.emptyDir/],
    ['no major change', /int\(self\.split\('\.'\)\[0\]\) == int\(oldSelf\.split\('\.'\)\[0\]\)$/, /spec\.version cannot change its major version/],
    ['no minor downgrade', /int\(self\.split\('\.'\)\[1\]\) >= int\(oldSelf\.split\('\.'\)\[1\]\)/, /spec\.version cannot go down a minor version/],
    ['one minor step up at a time', /int\(self\.split\('\.'\)\[1\]\) <= int\(oldSelf\.split\('\.'\)\[1\]\) \+ 1/, /one minor version at a time/],
    ['supported minors only', /\['3\.5', '3\.6'\]\.exists/, /3\.5, 3\.6/],
    ['election timeout at least 5 heartbeats', /self\.electionTimeoutMs >= 5 \* self\.heartbeatIntervalMs/, /spec\.options\.electionTimeoutMs/],
    ['TLS neither added, removed nor switched', /has\(self\.tls\) == has\(oldSelf\.tls\).*self\.tls\.mode == oldSelf\.tls\.mode/, /spec\.tls cannot be added, removed or change mode/],
    ['mode secrets names its three Secrets', /self\.mode != 'secrets' \|\| \(has\(self\.peerSecret\)/, /required when spec\.tls\.mode is secrets/],
    ['mode auto names none', /self\.mode != 'auto' \|\| \(!has\(self\.peerSecret\)/, /must not be set when spec\.tls\.mode is auto/],
  ];
  for (const [name, rule, message] of expected) {
    it(`has a rule: ${name}`, () => assert.ok(CLUSTER_CEL_RULES.some((r) => rule.test(r.rule) && message.test(r.message))));
  }
  it('strings read by CEL rules have a maxLength (bounded CEL cost)', () => {
    for (const path of ['.spec.version', '.spec.storage.storageClassName']) assert.ok(nodeAt(path)?.maxLength, path);
  });
  it('attachCelRules refuses a rule on a node that does not exist', () =>
    assert.throws(() => attachCelRules({ type: 'object', properties: {} }, [{ at: ['spec', 'nope'], rule: 'true', message: 'm' }]), /no schema node at spec\.nope/));
});

describe('EtcdCluster CRD schema is structural', () => {
  const nodes: [string, JSONSchemaProps][] = [];
  walkSchema(root, (n, p) => nodes.push([p, n]));

  it('every node has a type, or preserves unknown fields, or is int-or-string', () => {
    const bad = nodes.filter(([, n]) => !n.type && !n['x-kubernetes-preserve-unknown-fields'] && !n['x-kubernetes-int-or-string']).map(([p]) => p);
    assert.deepEqual(bad, []);
  });
  it('no JSON Schema keywords Kubernetes rejects', () => {
    const text = JSON.stringify(root);
    for (const k of ['$ref', '$schema', '$defs', 'const', 'propertyNames', 'oneOf', 'allOf', 'prefixItems']) assert.ok(!text.includes(`"${k}"`), k);
  });
  it('no node has both properties and additionalProperties', () =>
    assert.deepEqual(nodes.filter(([, n]) => n.properties && n.additionalProperties).map(([p]) => p), []));
  it('every array has maxItems (bounded CEL cost and object size)', () =>
    assert.deepEqual(nodes.filter(([, n]) => n.type === 'array' && n.maxItems === undefined).map(([p]) => p), []));
  it('every spec field has a description (kubectl explain); list items and map values may not', () => {
    const missing = nodes.filter(([p, n]) => p.startsWith('.spec') && !p.includes('*') && !p.endsWith('[]') && !n.description).map(([p]) => p);
    assert.deepEqual(missing, []);
  });
  it('metadata.name is limited so derived Pod and Service names stay valid', () =>
    assert.deepEqual(nodeAt('.metadata.name'), { type: 'string', maxLength: 56, pattern: '^[a-z]([-a-z0-9]*[a-z0-9])?$' }));
});

describe('EtcdCluster CRD defaults', () => {
  const cases: [string, unknown][] = [
    ['.spec', {}],
    ['.spec.size', 3],
    ['.spec.version', '3.6.16'],
    ['.spec.storage', {}],
    ['.spec.storage.size', '1Gi'],
    ['.spec.storage.emptyDir', false],
    ['.spec.storage.retainOnDelete', false],
    ['.spec.pod', {}],
    ['.spec.options', {}],
    ['.spec.paused', false],
  ];
  for (const [path, want] of cases) it(`${path} defaults to ${JSON.stringify(want)}`, () => assert.deepEqual(nodeAt(path)?.default, want));
  it('a status field has no default (the operator owns status)', () => assert.equal(nodeAt('.status.readyMembers')?.default, undefined));
});

describe('checked-in CRD files', () => {
  for (const { path, content } of crdFiles()) {
    it(`${path} equals a fresh generation (run npm run gen:crds)`, async () => {
      assert.equal(await readFile(new URL(`../../${path}`, import.meta.url), 'utf8'), content);
    });
    const object = path.endsWith('etcdbackups.yaml') ? etcdBackupCrd() : path.endsWith('etcdusers.yaml') ? etcdUserCrd() : crd;
    it(`${path} parses back to the CRD object`, () => assert.deepEqual(parse(content), JSON.parse(JSON.stringify(object))));
  }
});
