import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { V1PodSpec } from '@kubernetes/client-node';
import type { EtcdClusterSpecInput } from '../../k8s/cluster-spec.ts';
import { INITIAL_CLUSTER_ANNOTATION, POD_TEMPLATE_HASH, defaultSpread, memberPod, optionFlags, podTemplateHash, type MemberPodInput } from '../../k8s/manifests/member-pod.ts';
import { OWNER, UID, cluster } from './cluster-fixture.ts';

const IMAGE = 'gcr.io/etcd-development/etcd:v3.6.16';
const INITIAL = 'db-0=http://db-0.db.prod.svc:2380';

const input = (spec: EtcdClusterSpecInput = {}, over: Partial<MemberPodInput> = {}): MemberPodInput => ({
  cluster: cluster(spec), member: 'db-0', initialCluster: INITIAL, initialClusterState: 'new', image: IMAGE, ...over,
});
const pod = (spec?: EtcdClusterSpecInput, over?: Partial<MemberPodInput>) => memberPod(input(spec, over));
const container = (spec?: EtcdClusterSpecInput, over?: Partial<MemberPodInput>) => pod(spec, over).spec!.containers[0]!;

describe('memberPod: etcd command line', () => {
  it('a default spec runs etcd with the member\'s identity and no tuning flags', () => {
    assert.deepEqual(container().command, [
      '/usr/local/bin/etcd',
      '--name=db-0',
      '--data-dir=/var/lib/etcd/data',
      '--listen-peer-urls=http://0.0.0.0:2380',
      '--listen-client-urls=http://0.0.0.0:2379',
      '--listen-metrics-urls=http://0.0.0.0:2381',
      '--advertise-client-urls=http://db-0.db.prod.svc:2379',
      '--initial-advertise-peer-urls=http://db-0.db.prod.svc:2380',
      `--initial-cluster=${INITIAL}`,
      '--initial-cluster-state=new',
      `--initial-cluster-token=${UID}`,
    ]);
  });
  it('a joining member says --initial-cluster-state=existing', () =>
    assert.ok(container({}, { initialClusterState: 'existing' }).command!.includes('--initial-cluster-state=existing')));

  const options: { name: string; options: EtcdClusterSpecInput['options']; flags: string[] }[] = [
    { name: 'quotaBackendBytes', options: { quotaBackendBytes: 8589934592 }, flags: ['--quota-backend-bytes=8589934592'] },
    { name: 'autoCompactionMode + retention', options: { autoCompactionMode: 'periodic', autoCompactionRetention: '1h' }, flags: ['--auto-compaction-mode=periodic', '--auto-compaction-retention=1h'] },
    { name: 'snapshotCount', options: { snapshotCount: 10000 }, flags: ['--snapshot-count=10000'] },
    { name: 'heartbeat and election timeout', options: { heartbeatIntervalMs: 200, electionTimeoutMs: 2000 }, flags: ['--heartbeat-interval=200', '--election-timeout=2000'] },
    {
      name: 'all options, in a fixed order whatever the spec order',
      options: { electionTimeoutMs: 1000, heartbeatIntervalMs: 100, snapshotCount: 5, autoCompactionRetention: '5', autoCompactionMode: 'revision', quotaBackendBytes: 0 },
      flags: ['--quota-backend-bytes=0', '--auto-compaction-mode=revision', '--auto-compaction-retention=5', '--snapshot-count=5', '--heartbeat-interval=100', '--election-timeout=1000'],
    },
    { name: 'no options', options: {}, flags: [] },
  ];
  for (const c of options) {
    it(`spec.options ${c.name} -> ${c.flags.join(' ') || 'no flags'}`, () => {
      assert.deepEqual(optionFlags(cluster({ options: c.options }).spec.options), c.flags);
      assert.deepEqual(container({ options: c.options }).command!.slice(11), c.flags);
    });
  }
});

describe('memberPod: the join gate of a member that joins before etcd has it', () => {
  const gated = (spec?: EtcdClusterSpecInput) => pod(spec, { member: 'db-3', initialCluster: '', initialClusterState: 'existing', learner: true, joinGate: { image: 'busybox:1.36' } });
  const ref = `metadata.annotations['${INITIAL_CLUSTER_ANNOTATION}']`;
  it('an init container in the tools image waits until the initial-cluster annotation shows in its downward API volume', () => {
    const p = gated();
    const gate = p.spec!.initContainers!;
    assert.equal(gate.length, 1);
    assert.equal(gate[0]!.image, 'busybox:1.36');
    assert.match(gate[0]!.command!.join(' '), /until \[ -s \/etc\/etcd\/join-gate\/initial-cluster \]/);
    assert.deepEqual(gate[0]!.volumeMounts, [{ name: 'join-gate', mountPath: '/etc/etcd/join-gate', readOnly: true }]);
    assert.deepEqual(p.spec!.volumes!.find((v) => v.name === 'join-gate')?.downwardAPI, { items: [{ path: 'initial-cluster', fieldRef: { fieldPath: ref } }] });
  });
  it('etcd takes --initial-cluster from the annotation (ETCD_INITIAL_CLUSTER), and still joins as existing', () => {
    const c = gated().spec!.containers[0]!;
    assert.ok(!c.command!.some((f) => f.startsWith('--initial-cluster=')));
    assert.ok(c.command!.includes('--initial-cluster-state=existing'));
    assert.deepEqual(c.env, [{ name: 'ETCD_INITIAL_CLUSTER', valueFrom: { fieldRef: { fieldPath: ref } } }]);
  });
  it('the gate gets the etcd container\'s resources (a quota that wants limits admits the pod)', () =>
    assert.deepEqual(gated({ pod: { resources: { limits: { cpu: 1 } } } }).spec!.initContainers![0]!.resources, { limits: { cpu: '1' } }));
  it('is not part of the template hash: a gated member is not rolled once it runs', () =>
    assert.equal(gated().metadata!.annotations![POD_TEMPLATE_HASH], pod().metadata!.annotations![POD_TEMPLATE_HASH]));
  it('a member pod without it has no init container and its --initial-cluster flag', () => {
    assert.equal(pod().spec!.initContainers, undefined);
    assert.ok(container().command!.includes(`--initial-cluster=${INITIAL}`));
  });
});

describe('memberPod: data volume', () => {
  const cases: { name: string; spec: EtcdClusterSpecInput; volume: object }[] = [
    { name: 'the member\'s PVC by default', spec: {}, volume: { name: 'data', persistentVolumeClaim: { claimName: 'data-db-0' } } },
    { name: 'an emptyDir when spec.storage.emptyDir', spec: { storage: { emptyDir: true } }, volume: { name: 'data', emptyDir: {} } },
  ];
  for (const c of cases) {
    it(`uses ${c.name}, mounted at /var/lib/etcd`, () => {
      const p = pod(c.spec);
      assert.deepEqual(p.spec!.volumes, [c.volume]);
      assert.deepEqual(p.spec!.containers[0]!.volumeMounts, [{ name: 'data', mountPath: '/var/lib/etcd' }]);
    });
  }
});

describe('memberPod: scheduling fields pass through', () => {
  const affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { 'etcd.operator.dev/cluster': 'db' } } }] } };
  const tolerations = [{ key: 'dedicated', operator: 'Equal' as const, value: 'etcd', effect: 'NoSchedule' as const }];
  const tsc = [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule' }];
  const cases: { field: keyof V1PodSpec; pod: EtcdClusterSpecInput['pod']; want: unknown }[] = [
    { field: 'nodeSelector', pod: { nodeSelector: { disk: 'ssd' } }, want: { disk: 'ssd' } },
    { field: 'affinity', pod: { affinity }, want: affinity },
    { field: 'tolerations', pod: { tolerations }, want: tolerations },
    { field: 'topologySpreadConstraints', pod: { topologySpreadConstraints: tsc }, want: tsc },
    { field: 'priorityClassName', pod: { priorityClassName: 'system-cluster-critical' }, want: 'system-cluster-critical' },
  ];
  for (const c of cases) {
    it(`spec.pod.${c.field} lands in the pod spec`, () => assert.deepEqual(pod({ pod: c.pod }).spec![c.field], c.want));
    if (c.field !== 'affinity' && c.field !== 'topologySpreadConstraints') it(`no ${c.field} when spec.pod.${c.field} is unset`, () => assert.ok(!(c.field in pod().spec!)));
  }
  it('resources pass through, integer quantities as strings', () =>
    assert.deepEqual(container({ pod: { resources: { requests: { cpu: 1, memory: '1Gi' }, limits: { memory: '2Gi' } } } }).resources,
      { requests: { cpu: '1', memory: '1Gi' }, limits: { memory: '2Gi' } }));
  it('no resources when none are set', () => assert.ok(!('resources' in container())));
});

describe('memberPod: members spread over nodes and zones by default', () => {
  const members = { matchLabels: { 'app.kubernetes.io/name': 'etcd', 'etcd.operator.dev/cluster': 'db' } };
  it('a preferred anti-affinity between the cluster\'s members per node', () =>
    assert.deepEqual(pod().spec!.affinity, { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: members } }] } }));
  it('a soft spread over zones (ScheduleAnyway: more members than zones still run)', () =>
    assert.deepEqual(pod().spec!.topologySpreadConstraints, [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: members }]));
  it('spec.pod.affinity replaces the default anti-affinity, and {} turns it off; the zone spread stays', () => {
    const own = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } };
    assert.deepEqual(pod({ pod: { affinity: own } }).spec!.affinity, own);
    assert.deepEqual(pod({ pod: { affinity: {} } }).spec!.affinity, {});
    assert.equal(pod({ pod: { affinity: {} } }).spec!.topologySpreadConstraints!.length, 1);
  });
  it('spec.pod.topologySpreadConstraints replaces the zone spread, and [] turns it off; the anti-affinity stays', () => {
    assert.deepEqual(pod({ pod: { topologySpreadConstraints: [] } }).spec!.topologySpreadConstraints, []);
    assert.ok(pod({ pod: { topologySpreadConstraints: [] } }).spec!.affinity!.podAntiAffinity);
  });
  it('the defaults are not part of the template hash: an operator upgrade that brings them rolls no member', () => {
    // The same pod, once from the defaults and once from the spec: only the spec's counts.
    const d = defaultSpread(cluster({}));
    const explicit = cluster({ pod: { affinity: d.affinity as Record<string, unknown>, topologySpreadConstraints: d.topologySpreadConstraints as unknown as Record<string, unknown>[] } });
    assert.deepEqual(memberPod(input({ pod: explicit.spec.pod })).spec, pod().spec);
    assert.notEqual(podTemplateHash(explicit, IMAGE), podTemplateHash(cluster({}), IMAGE));
  });
});

describe('memberPod: identity, metadata and pod settings', () => {
  it('is named after the member, in the cluster\'s namespace, owned by the cluster', () => {
    const { metadata } = pod();
    assert.equal(metadata?.name, 'db-0');
    assert.equal(metadata?.namespace, 'prod');
    assert.deepEqual(metadata?.ownerReferences, [OWNER]);
  });
  it('gets the member labels plus spec.pod.labels, and the operator\'s labels win a collision', () => {
    assert.deepEqual(pod({ pod: { labels: { team: 'storage', 'etcd.operator.dev/cluster': 'other' } } }).metadata?.labels, {
      team: 'storage',
      'app.kubernetes.io/name': 'etcd',
      'etcd.operator.dev/cluster': 'db',
      'app.kubernetes.io/instance': 'db',
      'app.kubernetes.io/managed-by': 'etcd-operator',
      'etcd.operator.dev/member': 'db-0',
      'etcd.operator.dev/cluster-uid': OWNER.uid,
    });
  });
  it('carries spec.pod.annotations plus its pod template hash, and only the hash when unset', () => {
    const withHash = (a: Record<string, string>) => ({ ...a, [POD_TEMPLATE_HASH]: podTemplateHash(cluster({ pod: { annotations: a } }), IMAGE) });
    assert.deepEqual(pod({ pod: { annotations: { 'example.com/x': 'y' } } }).metadata?.annotations, withHash({ 'example.com/x': 'y' }));
    assert.deepEqual(Object.keys(pod().metadata!.annotations!), [POD_TEMPLATE_HASH]);
  });
  it('has a stable DNS name through hostname + the headless Service subdomain', () => {
    assert.equal(pod().spec?.hostname, 'db-0');
    assert.equal(pod().spec?.subdomain, 'db');
  });
  const settings: [keyof V1PodSpec, unknown][] = [
    ['restartPolicy', 'Always'], ['enableServiceLinks', false], ['terminationGracePeriodSeconds', 30],
  ];
  for (const [field, want] of settings) it(`${field} is ${String(want)}`, () => assert.equal(pod().spec![field], want));
  it('is ready for server-side apply: apiVersion v1, kind Pod', () => {
    assert.equal(pod().apiVersion, 'v1');
    assert.equal(pod().kind, 'Pod');
  });
});

describe('memberPod: the etcd container', () => {
  it('runs the given image, pulled if not present', () => {
    assert.equal(container().name, 'etcd');
    assert.equal(container().image, IMAGE);
    assert.equal(container().imagePullPolicy, 'IfNotPresent');
  });
  it('exposes client, peer and metrics ports', () =>
    assert.deepEqual(container().ports, [
      { name: 'client', containerPort: 2379, protocol: 'TCP' },
      { name: 'peer', containerPort: 2380, protocol: 'TCP' },
      { name: 'metrics', containerPort: 2381, protocol: 'TCP' },
    ]));
  it('is ready when /health on the metrics port answers (plain http: works with TLS and client-cert auth)', () =>
    assert.deepEqual(container().readinessProbe, { httpGet: { path: '/health?exclude=NOSPACE', port: 2381 }, periodSeconds: 1, failureThreshold: 6 }));
  it('is alive when a serializable /health on the metrics port answers (no restarts on quorum loss)', () =>
    assert.deepEqual(container().livenessProbe, {
      httpGet: { path: '/health?exclude=NOSPACE&serializable=true', port: 2381 }, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 8,
    }));
  it('does not share objects with the spec (builders never alias their input)', () => {
    const i = input({ pod: { nodeSelector: { disk: 'ssd' }, labels: { a: 'b' } } });
    const p = memberPod(i);
    p.spec!.nodeSelector!.disk = 'hdd';
    p.metadata!.labels!.a = 'c';
    assert.deepEqual(i.cluster.spec.pod.nodeSelector, { disk: 'ssd' });
    assert.deepEqual(i.cluster.spec.pod.labels, { a: 'b' });
  });
});

describe('memberPod: pass-through objects are copies', () => {
  it('mutating the pod\'s affinity or spread constraints leaves the spec alone', () => {
    const i = input({ pod: { affinity: { nodeAffinity: { x: 1 } }, topologySpreadConstraints: [{ maxSkew: 1 }] } });
    const p = memberPod(i);
    (p.spec!.affinity as Record<string, unknown>).nodeAffinity = {};
    (p.spec!.topologySpreadConstraints![0] as unknown as Record<string, unknown>).maxSkew = 2;
    assert.deepEqual(i.cluster.spec.pod.affinity, { nodeAffinity: { x: 1 } });
    assert.deepEqual(i.cluster.spec.pod.topologySpreadConstraints, [{ maxSkew: 1 }]);
  });
});

describe('podTemplateHash: what needs a rolling restart', () => {
  const hash = (spec: EtcdClusterSpecInput = {}, image = IMAGE) => podTemplateHash(cluster(spec), image);
  it('is the same for every member and every first-start flag (they differ per member, not per spec)', () => {
    const a = memberPod(input({}, { member: 'db-0', initialClusterState: 'new' })).metadata!.annotations![POD_TEMPLATE_HASH];
    const b = memberPod(input({}, { member: 'db-7', initialCluster: 'db-0=x,db-7=y', initialClusterState: 'existing' })).metadata!.annotations![POD_TEMPLATE_HASH];
    assert.equal(a, b);
    assert.equal(a, hash());
  });
  it('does not depend on the order fields were written in', () =>
    assert.equal(hash({ pod: { nodeSelector: { a: '1', b: '2' } } }), hash({ pod: { nodeSelector: { b: '2', a: '1' } } })));
  const changes: [string, EtcdClusterSpecInput | string][] = [
    ['the image (version)', 'gcr.io/etcd-development/etcd:v3.5.35'],
    ['resources', { pod: { resources: { requests: { cpu: '100m' } } } }],
    ['nodeSelector', { pod: { nodeSelector: { disk: 'ssd' } } }],
    ['affinity', { pod: { affinity: { podAntiAffinity: {} } } }],
    ['tolerations', { pod: { tolerations: [{ key: 'k', operator: 'Exists' }] } }],
    ['topology spread', { pod: { topologySpreadConstraints: [{ maxSkew: 1 }] } }],
    ['pod labels', { pod: { labels: { team: 'a' } } }],
    ['pod annotations', { pod: { annotations: { note: 'x' } } }],
    ['priority class', { pod: { priorityClassName: 'high' } }],
    ['an etcd flag', { options: { snapshotCount: 5000 } }],
  ];
  for (const [what, change] of changes) {
    it(`changes with ${what}`, () => assert.notEqual(typeof change === 'string' ? hash({}, change) : hash(change), hash()));
  }
  it('does not change with what is not in the pod (size, backup schedule, retainOnDelete, paused)', () => {
    for (const spec of [{ size: 5 }, { paused: true }, { storage: { retainOnDelete: true } }, { recovery: { policy: 'RestoreLatestBackup' as const } }]) assert.equal(hash(spec), hash(), JSON.stringify(spec));
  });
});

describe('memberPod with spec.tls', () => {
  const auto = { tls: { mode: 'auto' as const } };
  it('serves https on the client and peer ports with the mounted server and peer certificates; metrics stay http', () => {
    const cmd = container(auto).command!;
    for (const f of [
      '--listen-peer-urls=https://0.0.0.0:2380', '--listen-client-urls=https://0.0.0.0:2379', '--listen-metrics-urls=http://0.0.0.0:2381',
      '--advertise-client-urls=https://db-0.db.prod.svc:2379', '--initial-advertise-peer-urls=https://db-0.db.prod.svc:2380',
      '--cert-file=/etc/etcd/tls/server/tls.crt', '--key-file=/etc/etcd/tls/server/tls.key',
      '--peer-cert-file=/etc/etcd/tls/peer/tls.crt', '--peer-key-file=/etc/etcd/tls/peer/tls.key', '--peer-trusted-ca-file=/etc/etcd/tls/peer/ca.crt', '--peer-client-cert-auth',
    ]) assert.ok(cmd.includes(f), f);
    // etcd turns client-certificate auth on whenever a trusted CA file is given.
    assert.ok(!cmd.some((f) => /^--(client-cert-auth|trusted-ca-file)/.test(f)), 'clients need no certificate unless clientCertAuth');
    const strict = container({ tls: { mode: 'auto', clientCertAuth: true } }).command!;
    assert.ok(strict.includes('--client-cert-auth') && strict.includes('--trusted-ca-file=/etc/etcd/tls/server/ca.crt'));
  });
  it('mode auto skips the DNS check of peer certificate names (its CA signs members only; a joining member is not in DNS yet), mode secrets keeps it', () => {
    const flag = '--experimental-peer-skip-client-san-verification=true';
    assert.ok(container(auto).command!.includes(flag));
    assert.ok(!container({ tls: { mode: 'secrets', peerSecret: 'p', serverSecret: 's', operatorClientSecret: 'o' } }).command!.includes(flag));
    assert.ok(!container({}).command!.includes(flag));
  });
  it('the peer check flag is outside the template hash: the hash of an auto-TLS cluster is the one computed before the flag existed, so no running member restarts', () => {
    // Pinned: a change here means every running member of such a cluster would be restarted by an operator upgrade.
    assert.equal(podTemplateHash(cluster(auto), IMAGE), 'bb1d9c16f9db2007');
  });
  it('mounts the auto Secrets read-only, group-readable for the etcd user', () => {
    const p = pod(auto);
    assert.deepEqual(p.spec!.volumes!.slice(1), [
      { name: 'peer-tls', secret: { secretName: 'db-peer-tls', defaultMode: 0o440 } },
      { name: 'server-tls', secret: { secretName: 'db-server-tls', defaultMode: 0o440 } },
    ]);
    assert.deepEqual(p.spec!.containers[0]!.volumeMounts!.slice(1), [
      { name: 'peer-tls', mountPath: '/etc/etcd/tls/peer', readOnly: true },
      { name: 'server-tls', mountPath: '/etc/etcd/tls/server', readOnly: true },
    ]);
  });
  it('mode secrets mounts the Secrets the spec names', () => {
    const p = pod({ tls: { mode: 'secrets', peerSecret: 'my-peer', serverSecret: 'my-server', operatorClientSecret: 'my-op' } });
    assert.deepEqual(p.spec!.volumes!.slice(1).map((v) => v.secret?.secretName), ['my-peer', 'my-server']);
  });
  it('the certificates\' fingerprint is part of the pod template: new certificates roll the members, the same ones do not', () => {
    const ref = (fp: string) => ({ ...cluster(auto), tlsFingerprint: fp });
    assert.equal(memberPod({ ...input(auto), cluster: ref('aaaa') }).metadata!.annotations!['etcd.operator.dev/tls-fingerprint'], 'aaaa');
    assert.notEqual(podTemplateHash(ref('aaaa'), IMAGE), podTemplateHash(ref('bbbb'), IMAGE));
    assert.equal(podTemplateHash(ref('aaaa'), IMAGE), podTemplateHash(ref('aaaa'), IMAGE));
  });
  it('a joining learner\'s pod is labelled learner, with the same template hash as a voter\'s (its promotion restarts nothing)', () => {
    const learner = pod({}, { learner: true, initialClusterState: 'existing' });
    const voter = pod({}, { initialClusterState: 'existing' });
    assert.equal(learner.metadata?.labels?.['etcd.operator.dev/learner'], 'true');
    assert.equal(voter.metadata?.labels?.['etcd.operator.dev/learner'], undefined);
    assert.equal(learner.metadata?.annotations?.[POD_TEMPLATE_HASH], voter.metadata?.annotations?.[POD_TEMPLATE_HASH]);
  });
});
