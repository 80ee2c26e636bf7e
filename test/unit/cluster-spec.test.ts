import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_VERSION, SUPPORTED_MINORS, compareVersions, formatSpecErrors, imageFor, lowestVersion, minorOf, validateClusterSpec, type EtcdClusterSpec,
} from '../../k8s/cluster-spec.ts';

const DEFAULTS: EtcdClusterSpec = {
  size: 3,
  version: DEFAULT_VERSION,
  storage: { size: '1Gi', emptyDir: false, retainOnDelete: false },
  pod: {},
  options: {},
  paused: false,
  recovery: { policy: 'Manual', nodeLossGracePeriodSeconds: 120 },
  auth: { enabled: false },
};

function parse(raw: unknown): EtcdClusterSpec {
  const r = validateClusterSpec(raw);
  if (!r.ok) assert.fail(`expected a valid spec, got ${formatSpecErrors(r.errors)}`);
  return r.spec;
}

describe('validateClusterSpec accepts valid specs and fills defaults', () => {
  const cases: { name: string; raw: unknown; expect: (s: EtcdClusterSpec) => void }[] = [
    { name: 'an empty spec gets every default', raw: {}, expect: (s) => assert.deepEqual(s, DEFAULTS) },
    { name: 'a missing spec is treated as empty', raw: undefined, expect: (s) => assert.deepEqual(s, DEFAULTS) },
    { name: 'a null spec is treated as empty', raw: null, expect: (s) => assert.deepEqual(s, DEFAULTS) },
    { name: 'size 1 (smallest) is allowed', raw: { size: 1 }, expect: (s) => assert.equal(s.size, 1) },
    { name: 'size 9 (largest) is allowed', raw: { size: 9 }, expect: (s) => assert.equal(s.size, 9) },
    { name: 'a 3.5 patch version is supported', raw: { version: '3.5.35' }, expect: (s) => assert.equal(s.version, '3.5.35') },
    {
      name: 'a partial storage block keeps the other storage defaults',
      raw: { storage: { storageClassName: 'fast' } },
      expect: (s) => assert.deepEqual(s.storage, { size: '1Gi', storageClassName: 'fast', emptyDir: false, retainOnDelete: false }),
    },
    {
      name: 'quantities may be integers or strings',
      raw: { pod: { resources: { requests: { cpu: 1, memory: '512Mi' }, limits: { cpu: '1500m' } } } },
      expect: (s) => assert.deepEqual(s.pod.resources, { requests: { cpu: 1, memory: '512Mi' }, limits: { cpu: '1500m' } }),
    },
    {
      name: 'affinity and topology spread constraints pass through untouched',
      raw: {
        pod: {
          affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname' }] } },
          topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' }],
        },
      },
      expect: (s) => {
        assert.deepEqual(s.pod.affinity, { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname' }] } });
        assert.deepEqual(s.pod.topologySpreadConstraints, [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' }]);
      },
    },
    {
      name: 'every option at once, election timeout exactly 5 heartbeats',
      raw: {
        options: {
          quotaBackendBytes: 8 * 1024 ** 3, autoCompactionMode: 'periodic', autoCompactionRetention: '1h30m',
          snapshotCount: 10000, heartbeatIntervalMs: 100, electionTimeoutMs: 500,
        },
      },
      expect: (s) => assert.equal(s.options.electionTimeoutMs, 500),
    },
    { name: 'a numeric compaction retention is allowed', raw: { options: { autoCompactionRetention: '1000' } }, expect: (s) => assert.equal(s.options.autoCompactionRetention, '1000') },
    {
      name: 'a repository with a registry port is allowed',
      raw: { repository: 'localhost:5000/etcd' },
      expect: (s) => assert.equal(s.repository, 'localhost:5000/etcd'),
    },
    {
      name: 'tolerations keep their fields',
      raw: { pod: { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'etcd', effect: 'NoSchedule' }, { operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }] } },
      expect: (s) => assert.equal(s.pod.tolerations?.length, 2),
    },
    { name: 'paused true is kept', raw: { paused: true }, expect: (s) => assert.equal(s.paused, true) },
    { name: 'unknown fields are dropped (the API server prunes them too)', raw: { replicas: 5 }, expect: (s) => assert.deepEqual(s, DEFAULTS) },
  ];
  for (const c of cases) it(c.name, () => c.expect(parse(c.raw)));
});

describe('validateClusterSpec rejects invalid specs with the field path and a helpful message', () => {
  const cases: { name: string; raw: unknown; field: string; message: RegExp }[] = [
    { name: 'size 0', raw: { size: 0 }, field: 'spec.size', message: /integer from 1 to 9/ },
    { name: 'size 10', raw: { size: 10 }, field: 'spec.size', message: /integer from 1 to 9/ },
    { name: 'size "three"', raw: { size: 'three' }, field: 'spec.size', message: /integer from 1 to 9/ },
    { name: 'size 2.5', raw: { size: 2.5 }, field: 'spec.size', message: /integer from 1 to 9/ },
    { name: 'version "latest"', raw: { version: 'latest' }, field: 'spec.version', message: /like 3\.6\.16 \(X\.Y\.Z/ },
    { name: 'version 3.4.0 is an unsupported minor', raw: { version: '3.4.0' }, field: 'spec.version', message: /etcd 3\.4 is not supported; supported minor versions: 3\.5, 3\.6/ },
    { name: 'version with a leading v', raw: { version: 'v3.6.0' }, field: 'spec.version', message: /without a leading "v"/ },
    { name: 'version as a number', raw: { version: 3.6 }, field: 'spec.version', message: /X\.Y\.Z/ },
    { name: 'repository with a tag', raw: { repository: 'quay.io/coreos/etcd:v3.5.0' }, field: 'spec.repository', message: /must not include a tag/ },
    { name: 'storage.size "lots"', raw: { storage: { size: 'lots' } }, field: 'spec.storage.size', message: /quantity such as 1Gi/ },
    { name: 'storage.emptyDir "no"', raw: { storage: { emptyDir: 'no' } }, field: 'spec.storage.emptyDir', message: /true or false/ },
    { name: 'storage.storageClassName empty', raw: { storage: { storageClassName: '' } }, field: 'spec.storage.storageClassName', message: />=1 characters/ },
    { name: 'toleration operator "Maybe"', raw: { pod: { tolerations: [{ operator: 'Maybe' }] } }, field: 'spec.pod.tolerations[0].operator', message: /Exists or Equal/ },
    { name: 'toleration effect "Sometimes"', raw: { pod: { tolerations: [{}, { effect: 'Sometimes' }] } }, field: 'spec.pod.tolerations[1].effect', message: /NoSchedule, PreferNoSchedule or NoExecute/ },
    { name: 'resource request "lots"', raw: { pod: { resources: { requests: { cpu: 'lots' } } } }, field: 'spec.pod.resources.requests.cpu', message: /quantity such as 500m/ },
    { name: 'label value not a string', raw: { pod: { labels: { team: 7 } } }, field: 'spec.pod.labels.team', message: /labels values must be strings/ },
    { name: 'annotation with a dotted key and a bad value', raw: { pod: { annotations: { 'example.com/owner': false } } }, field: 'spec.pod.annotations[example.com/owner]', message: /annotations values must be strings/ },
    { name: 'affinity not an object', raw: { pod: { affinity: 'zone-a' } }, field: 'spec.pod.affinity', message: /must be an object/ },
    { name: 'options.heartbeatIntervalMs 1', raw: { options: { heartbeatIntervalMs: 1 } }, field: 'spec.options.heartbeatIntervalMs', message: /from 10 to 5000/ },
    { name: 'options.electionTimeoutMs 50', raw: { options: { electionTimeoutMs: 50 } }, field: 'spec.options.electionTimeoutMs', message: /from 100 to 50000/ },
    { name: 'election timeout under 5 heartbeats', raw: { options: { heartbeatIntervalMs: 100, electionTimeoutMs: 499 } }, field: 'spec.options.electionTimeoutMs', message: /at least 5 times spec\.options\.heartbeatIntervalMs/ },
    { name: 'negative quota', raw: { options: { quotaBackendBytes: -1 } }, field: 'spec.options.quotaBackendBytes', message: /from 0 to 107374182400/ },
    { name: 'quota over 100 GiB', raw: { options: { quotaBackendBytes: 200 * 1024 ** 3 } }, field: 'spec.options.quotaBackendBytes', message: /100 GiB/ },
    { name: 'snapshotCount 0', raw: { options: { snapshotCount: 0 } }, field: 'spec.options.snapshotCount', message: /at least 1/ },
    { name: 'unknown autoCompactionMode', raw: { options: { autoCompactionMode: 'daily' } }, field: 'spec.options.autoCompactionMode', message: /periodic or revision/ },
    { name: 'autoCompactionRetention "forever"', raw: { options: { autoCompactionRetention: 'forever' } }, field: 'spec.options.autoCompactionRetention', message: /duration like 1h/ },
    { name: 'paused "yes"', raw: { paused: 'yes' }, field: 'spec.paused', message: /true or false/ },
    { name: 'a spec that is not an object', raw: 'big', field: 'spec', message: /expected object/ },
  ];
  for (const c of cases) {
    it(`${c.name} -> ${c.field}`, () => {
      const r = validateClusterSpec(c.raw);
      assert.equal(r.ok, false, `expected ${JSON.stringify(c.raw)} to be rejected`);
      if (r.ok) return;
      assert.deepEqual(r.errors.map((e) => e.field), [c.field]);
      assert.match(r.errors[0]!.message, c.message);
    });
  }

  it('reports every problem at once', () => {
    const r = validateClusterSpec({ size: 0, version: 'latest', paused: 'yes' });
    assert.equal(r.ok, false);
    if (!r.ok) assert.deepEqual(r.errors.map((e) => e.field), ['spec.size', 'spec.version', 'spec.paused']);
  });
});

describe('formatSpecErrors', () => {
  it('prefixes each message with its field unless the message already names it', () => {
    assert.equal(
      formatSpecErrors([
        { field: 'spec.size', message: 'must be an integer from 1 to 9' },
        { field: 'spec.options.electionTimeoutMs', message: 'spec.options.electionTimeoutMs must be at least 5 times x' },
      ]),
      'spec.size: must be an integer from 1 to 9; spec.options.electionTimeoutMs must be at least 5 times x',
    );
  });
});

describe('imageFor and minorOf', () => {
  const cases = [
    { name: 'default repository, v-prefixed tag', spec: { version: '3.6.16' }, want: 'gcr.io/etcd-development/etcd:v3.6.16' },
    { name: 'repository override wins', spec: { version: '3.5.35', repository: 'localhost:5000/etcd' }, want: 'localhost:5000/etcd:v3.5.35' },
  ];
  for (const c of cases) it(`imageFor: ${c.name}`, () => assert.equal(imageFor(c.spec, 'gcr.io/etcd-development/etcd'), c.want));
  it('minorOf keeps major.minor', () => assert.equal(minorOf('3.6.16'), '3.6'));
  it('the default version is in a supported minor', () => assert.ok((SUPPORTED_MINORS as readonly string[]).includes(minorOf(DEFAULT_VERSION))));
});

describe('version order', () => {
  it('compares X.Y.Z as numbers: 3.5.9 < 3.5.10 < 3.6.0 (string order gets 3.5.10 < 3.5.9 wrong)', () => {
    assert.ok(compareVersions('3.5.9', '3.5.10') < 0);
    assert.ok(compareVersions('3.5.10', '3.6.0') < 0);
    assert.equal(compareVersions('3.6.16', '3.6.16'), 0);
    assert.equal(lowestVersion(['3.5.10', '3.5.9', '3.6.1']), '3.5.9');
    assert.equal(lowestVersion([]), undefined);
  });
});
