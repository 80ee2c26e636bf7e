// EtcdUser spec validation, key permissions as etcd ranges, and which objects the watcher wakes a workflow for.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdUserSpecSchema, permissionRange } from '../../k8s/user-spec.ts';
import { userNeedsWorkflow } from '../../client/user-watcher.ts';

const issues = (spec: unknown) => { const r = EtcdUserSpecSchema.safeParse(spec); return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`); };

describe('EtcdUser spec', () => {
  it('a user with a prefix role; defaults: no roles, prefix false', () => {
    const s = EtcdUserSpecSchema.parse({ clusterName: 'db', username: 'app', roles: [{ name: 'app-rw', permissions: [{ type: 'readwrite', key: 'app/', prefix: true }, { type: 'read', key: 'config' }] }] });
    assert.deepEqual(s.roles[0]!.permissions[1], { type: 'read', key: 'config', prefix: false });
    assert.deepEqual(EtcdUserSpecSchema.parse({ clusterName: 'db', username: 'u' }).roles, []);
  });
  const bad: [string, unknown, RegExp][] = [
    ['root as the username', { clusterName: 'db', username: 'root' }, /username: "root" is the operator's own user/],
    ['root as a role', { clusterName: 'db', username: 'u', roles: [{ name: 'root' }] }, /roles\.0\.name: "root" is the operator's own role/],
    ['an unknown permission type', { clusterName: 'db', username: 'u', roles: [{ name: 'r', permissions: [{ type: 'admin', key: 'x' }] }] }, /type: must be read, write or readwrite/],
    ['prefix and rangeEnd together', { clusterName: 'db', username: 'u', roles: [{ name: 'r', permissions: [{ type: 'read', key: 'a', prefix: true, rangeEnd: 'b' }] }] }, /set prefix or rangeEnd, not both/],
    ['a rangeEnd before its key', { clusterName: 'db', username: 'u', roles: [{ name: 'r', permissions: [{ type: 'read', key: 'b', rangeEnd: 'a' }] }] }, /rangeEnd must sort after key/],
    ['an empty key', { clusterName: 'db', username: 'u', roles: [{ name: 'r', permissions: [{ type: 'read', key: '' }] }] }, /key: must not be empty/],
    ['a username with spaces', { clusterName: 'db', username: 'my app' }, /username: must be 1-128 letters/],
    ['a role named twice', { clusterName: 'db', username: 'u', roles: [{ name: 'r' }, { name: 'r' }] }, /role names must be unique/],
    ['no cluster', { username: 'u' }, /clusterName/],
  ];
  for (const [name, spec, want] of bad) it(`refuses ${name}`, () => assert.match(issues(spec).join('; '), want));
});

describe('permissionRange (etcd\'s key ranges)', () => {
  const range = (p: Parameters<typeof permissionRange>[0]) => { const r = permissionRange(p); return [r.key.toString('latin1'), r.rangeEnd.toString('latin1')]; };
  it('a single key has an empty range end', () => assert.deepEqual(range({ type: 'read', key: 'config', prefix: false }), ['config', '']));
  it('a prefix ends at the prefix with its last byte + 1, as etcdctl --prefix', () => assert.deepEqual(range({ type: 'readwrite', key: 'app/', prefix: true }), ['app/', 'app0']));
  it('a multi-byte UTF-8 prefix: its last byte + 1', () => assert.deepEqual(permissionRange({ type: 'read', key: 'é', prefix: true }).rangeEnd, Buffer.from([0xc3, 0xaa])));
  it('an explicit range end is kept', () => assert.deepEqual(range({ type: 'write', key: 'a', rangeEnd: 'c', prefix: false }), ['a', 'c']));
});

describe('userNeedsWorkflow', () => {
  it('a live user does; a deleted one only while our finalizer holds it', () => {
    assert.equal(userNeedsWorkflow({ metadata: { name: 'u' } }), true);
    assert.equal(userNeedsWorkflow({ metadata: { name: 'u', deletionTimestamp: new Date(), finalizers: ['etcd.operator.dev/cleanup'] } }), true);
    assert.equal(userNeedsWorkflow({ metadata: { name: 'u', deletionTimestamp: new Date(), finalizers: [] } }), false);
  });
});
