// deploy/ as users install it: each kustomization rendered by `kubectl kustomize` (no cluster
// needed) and checked for what the install promises: a restricted, highly available operator, CRDs
// that survive `kubectl delete -k`, least-privilege RBAC and the right settings per overlay.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type {
  V1ClusterRole, V1ClusterRoleBinding, V1ConfigMap, V1Container, V1Deployment, V1Namespace,
  V1PodDisruptionBudget, V1RoleBinding, V1ValidatingAdmissionPolicy, V1ValidatingAdmissionPolicyBinding,
} from '@kubernetes/client-node';
import { repoRoot, toolDir } from '../support/stack.ts';

interface KubeObject { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }

/** The stack's pinned kubectl (its kustomize is what users of this repository get), else PATH's. */
function kubectlPath(): string {
  const pinned = join(toolDir('kube'), 'kubectl');
  return existsSync(pinned) ? pinned : 'kubectl';
}

function render(dir: string): KubeObject[] {
  let out: string;
  try {
    out = execFileSync(kubectlPath(), ['kustomize', join(repoRoot, dir)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    throw new Error(`kubectl kustomize ${dir} failed (no kubectl? \`npm run tools\` builds it): ${(err as Error).message}`);
  }
  return parseAllDocuments(out).map((d) => d.toJS() as KubeObject).filter(Boolean);
}

const CRD_NAMES = ['etcdbackups.etcd.operator.dev', 'etcdclusters.etcd.operator.dev', 'etcdusers.etcd.operator.dev'];
const NAMESPACE = 'etcd-operator-system';
const WATCHED = ['etcd-apps', 'etcd-staging'];
const OPERATOR_SA = { kind: 'ServiceAccount', name: 'etcd-operator', namespace: NAMESPACE };

class Rendered {
  readonly objects: KubeObject[];
  constructor(readonly dir: string) { this.objects = render(dir); }
  all<T>(kind: string): T[] { return this.objects.filter((o) => o.kind === kind) as T[]; }
  one<T>(kind: string, name: string): T {
    const found = this.objects.filter((o) => o.kind === kind && o.metadata.name === name);
    assert.equal(found.length, 1, `${this.dir}: ${found.length} ${kind} named ${name}`);
    return found[0] as T;
  }
  get deployment(): V1Deployment { return this.one<V1Deployment>('Deployment', 'etcd-operator'); }
  get container(): V1Container { return this.deployment.spec!.template.spec!.containers.find((c) => c.name === 'operator')!; }
  /** The generated ConfigMap (name with hash suffix) the Deployment takes its environment from. */
  get config(): Record<string, string> {
    const ref = this.container.envFrom?.[0]?.configMapRef?.name;
    return this.one<V1ConfigMap>('ConfigMap', ref ?? '<none>').data ?? {};
  }
}

const base = new Rendered('deploy');
const namespaced = new Rendered('deploy/overlays/namespaced');
const localStack = new Rendered('deploy/overlays/local-stack');
const every = [base, namespaced, localStack];

describe('deploy/ (the base): the operator Deployment', () => {
  const d = base.deployment;
  const pod = d.spec!.template.spec!;
  const c = base.container;
  const facts: [string, unknown, unknown][] = [
    ['runs 2 replicas, so Temporal can hand a dead replica\'s work to the other', d.spec!.replicas, 2],
    ['rolls one new pod in before an old one goes (maxUnavailable 0, maxSurge 1)', d.spec!.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } }],
    ['keeps 5 old ReplicaSets', d.spec!.revisionHistoryLimit, 5],
    ['selects its pods by name and component only (no part-of in the immutable selector)', d.spec!.selector.matchLabels, { 'app.kubernetes.io/name': 'etcd-operator', 'app.kubernetes.io/component': 'operator' }],
    ['runs in etcd-operator-system as the etcd-operator ServiceAccount with its token', [d.metadata!.namespace, pod.serviceAccountName, pod.automountServiceAccountToken], [NAMESPACE, 'etcd-operator', true]],
    ['gives the worker 60s to drain on shutdown', pod.terminationGracePeriodSeconds, 60],
    ['uses the tagged image from the kustomization', c.image, 'etcd-operator.local/etcd-operator:0.1.0'],
    ['runs `run --http-address :8080`', c.args, ['run', '--http-address', ':8080']],
    ['exposes port http 8080', c.ports?.map((p) => [p.name, p.containerPort]), [['http', 8080]]],
    ['prefers spreading its replicas across nodes', pod.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.map((t) => [t.podAffinityTerm.topologyKey, t.podAffinityTerm.labelSelector?.matchLabels]), [['kubernetes.io/hostname', d.spec!.selector.matchLabels]]],
    ['requests 100m CPU and 256Mi, limits memory to 1Gi and sets no CPU limit', c.resources, { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } }],
    ['knows its pod name and namespace from the downward API', c.env?.map((e) => [e.name, e.valueFrom?.fieldRef?.fieldPath]), [['POD_NAME', 'metadata.name'], ['POD_NAMESPACE', 'metadata.namespace']]],
    ['has a writable /tmp on an emptyDir', [c.volumeMounts?.find((m) => m.mountPath === '/tmp')?.name, pod.volumes?.find((v) => v.name === 'tmp')?.emptyDir], ['tmp', {}]],
    ['has no priorityClassName', pod.priorityClassName, undefined],
  ];
  for (const [name, got, want] of facts) it(name, () => assert.deepEqual(got, want));

  describe('passes Pod Security "restricted"', () => {
    const restricted: [string, unknown, unknown][] = [
      ['runAsNonRoot', pod.securityContext?.runAsNonRoot, true],
      ['runAsUser 65532', pod.securityContext?.runAsUser, 65532],
      ['runAsGroup 65532', pod.securityContext?.runAsGroup, 65532],
      ['seccompProfile RuntimeDefault', pod.securityContext?.seccompProfile, { type: 'RuntimeDefault' }],
      ['allowPrivilegeEscalation false', c.securityContext?.allowPrivilegeEscalation, false],
      ['readOnlyRootFilesystem', c.securityContext?.readOnlyRootFilesystem, true],
      ['drops ALL capabilities and adds none', c.securityContext?.capabilities, { drop: ['ALL'] }],
      ['no host namespaces, no privileged container', [pod.hostNetwork, pod.hostPID, pod.hostIPC, c.securityContext?.privileged], [undefined, undefined, undefined, undefined]],
      ['only the one container', pod.containers.length + (pod.initContainers?.length ?? 0), 1],
      ['and its namespace enforces it', base.one<V1Namespace>('Namespace', NAMESPACE).metadata?.labels?.['pod-security.kubernetes.io/enforce'], 'restricted'],
    ];
    for (const [name, got, want] of restricted) it(name, () => assert.deepEqual(got, want));
  });

  describe('probes', () => {
    const probes: [string, unknown, unknown][] = [
      ['startup: GET /healthz on http, up to 30 x 2s', c.startupProbe, { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 2, failureThreshold: 30 }],
      ['liveness: GET /healthz on http every 10s, 6 failures', c.livenessProbe, { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10, failureThreshold: 6 }],
      ['readiness: GET /readyz on http every 5s', c.readinessProbe, { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 5 }],
    ];
    for (const [name, got, want] of probes) it(name, () => assert.deepEqual(got, want));
  });
});

describe('deploy/ (the base): configuration', () => {
  it('comes from a hash-suffixed ConfigMap, so a config change rolls the pods', () =>
    assert.match(base.container.envFrom?.[0]?.configMapRef?.name ?? '', /^etcd-operator-config-[a-z0-9]{10}$/));
  it('defaults to the Temporal Helm chart\'s frontend, every namespace, the upstream etcd images and busybox', () =>
    assert.deepEqual(base.config, {
      TEMPORAL_ADDRESS: 'temporal-frontend.temporal.svc.cluster.local:7233',
      TEMPORAL_NAMESPACE: 'default',
      ETCD_OPERATOR_WATCH_NAMESPACES: '',
      ETCD_IMAGE_REPOSITORY: 'gcr.io/etcd-development/etcd',
      ETCD_OPERATOR_TOOLS_IMAGE: 'busybox:1.36',
    }));
});

describe('deploy/ (the base): the rest of the install', () => {
  it('installs the three CRDs', () => assert.deepEqual(base.all<KubeObject>('CustomResourceDefinition').map((c) => c.metadata.name).sort(), CRD_NAMES));
  it('has a PodDisruptionBudget keeping 1 of the operator\'s pods', () => {
    const pdb = base.one<V1PodDisruptionBudget>('PodDisruptionBudget', 'etcd-operator');
    assert.equal(pdb.spec?.minAvailable, 1);
    assert.deepEqual(pdb.spec?.selector?.matchLabels, base.deployment.spec!.selector.matchLabels);
  });
  it('binds the etcd-operator ClusterRole cluster-wide to the operator\'s ServiceAccount', () => {
    const crb = base.one<V1ClusterRoleBinding>('ClusterRoleBinding', 'etcd-operator');
    assert.deepEqual([crb.roleRef.name, crb.subjects], ['etcd-operator', [OPERATOR_SA]]);
  });
  it('labels every object part-of etcd-operator', () => {
    for (const o of base.objects) assert.equal((o.metadata as { labels?: Record<string, string> }).labels?.['app.kubernetes.io/part-of'], 'etcd-operator', `${o.kind}/${o.metadata.name}`);
  });
});

describe('etcd-operator-keep-crds: the CRDs outlive `kubectl delete -k`', () => {
  const vap = base.one<V1ValidatingAdmissionPolicy>('ValidatingAdmissionPolicy', 'etcd-operator-keep-crds');
  const binding = base.one<V1ValidatingAdmissionPolicyBinding>('ValidatingAdmissionPolicyBinding', 'etcd-operator-keep-crds');
  const rules = vap.spec!.matchConstraints!.resourceRules!;
  it('matches DELETE of exactly our three CustomResourceDefinitions', () =>
    assert.deepEqual(rules.map((r) => [r.apiGroups, r.resources, r.operations, [...r.resourceNames ?? []].sort()]),
      [[['apiextensions.k8s.io'], ['customresourcedefinitions'], ['DELETE'], CRD_NAMES]]));
  it('lets a CRD annotated etcd.operator.dev/allow-delete: "true" go', () => {
    assert.equal(vap.spec!.validations?.length, 1);
    assert.match(vap.spec!.validations![0]!.expression, /oldObject\.metadata\.annotations.*'etcd\.operator\.dev\/allow-delete'.*== 'true'/s);
  });
  it('says why, and how to delete the CRDs on purpose', () => {
    const message = vap.spec!.validations![0]!.messageExpression ?? '';
    for (const part of ['delete every object of its kind', 'delete your EtcdClusters first', 'kubectl annotate crd \' + oldObject.metadata.name', 'etcd.operator.dev/allow-delete=true', 'kubectl delete crd \' + oldObject.metadata.name'])
      assert.ok(message.includes(part), `message lacks ${JSON.stringify(part)}`);
  });
  it('fails closed and is bound with Deny', () => {
    assert.equal(vap.spec!.failurePolicy, 'Fail');
    assert.deepEqual([binding.spec?.policyName, binding.spec?.validationActions], ['etcd-operator-keep-crds', ['Deny']]);
  });
  // kubectl delete -k deletes in the rendered order: the policy must still exist when the CRDs' turn comes.
  for (const r of every) {
    it(`${r.dir}: comes after the CRDs, so it still denies when kubectl delete -k reaches them`, () => {
      const kinds = r.objects.map((o) => o.kind);
      assert.ok(kinds.lastIndexOf('CustomResourceDefinition') < kinds.indexOf('ValidatingAdmissionPolicy'));
      assert.ok(kinds.lastIndexOf('CustomResourceDefinition') < kinds.indexOf('ValidatingAdmissionPolicyBinding'));
    });
    it(`${r.dir}: the policy and its binding are cluster-scoped (no namespace)`, () => {
      for (const kind of ['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']) assert.equal(r.one<KubeObject>(kind, 'etcd-operator-keep-crds').metadata.namespace, undefined);
    });
  }
});

describe('RBAC in every install', () => {
  for (const r of every) {
    it(`${r.dir}: no ClusterRole may list or watch Secrets`, () => {
      for (const role of r.all<V1ClusterRole>('ClusterRole')) {
        for (const rule of role.rules ?? []) {
          if (!rule.resources?.some((res) => res === 'secrets' || res === '*')) continue;
          assert.deepEqual(rule.verbs.filter((v) => ['list', 'watch', '*'].includes(v)), [], `${role.metadata?.name}: ${JSON.stringify(rule)}`);
        }
      }
    });
    it(`${r.dir}: etcd-operator-crds only reads CustomResourceDefinitions, cluster-wide`, () => {
      assert.deepEqual(r.one<V1ClusterRole>('ClusterRole', 'etcd-operator-crds').rules, [{ apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['get', 'list'] }]);
      const crb = r.one<V1ClusterRoleBinding>('ClusterRoleBinding', 'etcd-operator-crds');
      assert.deepEqual([crb.roleRef.name, crb.subjects], ['etcd-operator-crds', [OPERATOR_SA]]);
    });
    it(`${r.dir}: etcd-operator-nodes only reads Nodes and PersistentVolumes, cluster-wide (where members run)`, () => {
      assert.deepEqual(r.one<V1ClusterRole>('ClusterRole', 'etcd-operator-nodes').rules, [
        { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list'] },
        { apiGroups: [''], resources: ['persistentvolumes'], verbs: ['get'] },
      ]);
      const crb = r.one<V1ClusterRoleBinding>('ClusterRoleBinding', 'etcd-operator-nodes');
      assert.deepEqual([crb.roleRef.name, crb.subjects], ['etcd-operator-nodes', [OPERATOR_SA]]);
    });
  }
});

describe('deploy/overlays/namespaced: only the listed namespaces', () => {
  const roleBindings = namespaced.all<V1RoleBinding>('RoleBinding');
  const watched = (namespaced.config.ETCD_OPERATOR_WATCH_NAMESPACES ?? '').split(',').filter(Boolean);
  it('watches etcd-apps and etcd-staging', () => assert.deepEqual(watched, WATCHED));
  it('binds nothing but the CRD and node readers cluster-wide: no ClusterRoleBinding to etcd-operator', () =>
    assert.deepEqual(namespaced.all<V1ClusterRoleBinding>('ClusterRoleBinding').map((b) => b.roleRef.name).sort(), ['etcd-operator-crds', 'etcd-operator-nodes']));
  it('has one RoleBinding per watched namespace, the same list as the ConfigMap\'s', () =>
    assert.deepEqual(roleBindings.map((b) => b.metadata?.namespace).sort(), [...watched].sort()));
  it('each RoleBinding grants the etcd-operator ClusterRole to the operator\'s ServiceAccount there only', () => {
    for (const b of roleBindings) assert.deepEqual([b.roleRef, b.subjects], [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'etcd-operator' }, [OPERATOR_SA]], b.metadata?.namespace);
  });
  it('keeps the ClusterRole itself, unchanged from the base', () =>
    assert.deepEqual(namespaced.one<V1ClusterRole>('ClusterRole', 'etcd-operator').rules, base.one<V1ClusterRole>('ClusterRole', 'etcd-operator').rules));
  it('does not create the watched namespaces (their owners do)', () =>
    assert.deepEqual(namespaced.all<V1Namespace>('Namespace').map((n) => n.metadata?.name), [NAMESPACE]));
  it('changes nothing else in the Deployment but the config it points at', () => {
    const strip = (d: V1Deployment) => JSON.stringify(d).replace(/etcd-operator-config-[a-z0-9]+/g, 'CONFIG');
    assert.equal(strip(namespaced.deployment), strip(base.deployment));
  });
});

describe('deploy/overlays/local-stack: the operator on the local stack', () => {
  const facts: [string, unknown, unknown][] = [
    ['reaches Temporal at the node IP 10.244.0.1:7233', localStack.config.TEMPORAL_ADDRESS, '10.244.0.1:7233'],
    ['backs up to the stack\'s S3 server at the node IP', [localStack.config.AWS_ENDPOINT_URL_S3, localStack.config.AWS_REGION], ['http://10.244.0.1:7070', 'us-east-1']],
    ['uses the images imported into the node', [localStack.config.ETCD_IMAGE_REPOSITORY, localStack.config.ETCD_OPERATOR_TOOLS_IMAGE], ['etcd-operator.local/etcd', 'etcd-operator.local/busybox:1.35']],
    ['never pulls the operator image', [localStack.container.image, localStack.container.imagePullPolicy], ['etcd-operator.local/etcd-operator:0.1.0', 'Never']],
    ['watches every namespace', localStack.config.ETCD_OPERATOR_WATCH_NAMESPACES, ''],
  ];
  for (const [name, got, want] of facts) it(name, () => assert.deepEqual(got, want));
});
