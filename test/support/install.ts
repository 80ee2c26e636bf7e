// The operator installed the way users install it (kubectl apply -k of deploy/'s overlays, from
// the image `npm run image` imported into the node), made to share the node with other suites: a
// test overlay on top renames what is cluster-wide or shared (suffix), moves the operator into its
// own namespace, and gives it its own watched namespaces and task queue. Nothing else changes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { stringify } from 'yaml';
import { repoRoot } from './stack.ts';
import { kubectl } from './kube.ts';
import { OPERATOR_VERSION } from '../../worker/version.ts';

export const OPERATOR_IMAGE = 'etcd-operator.local/etcd-operator';

/** Builds the operator image and imports it into the node (once per tag; `npm run image`). */
export function buildOperatorImage(): void {
  execFileSync('bash', [`${repoRoot}scripts/image.sh`], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Another tag of the same image: "a new operator image" for a rollout (the Deployment's pods are replaced). */
export function retagOperatorImage(tag: string): void {
  const sock = process.env.CONTAINERD_SOCK;
  if (!sock) throw new Error('CONTAINERD_SOCK is not set: the local node is not up (ensureStack) or an external cluster is used');
  const ctr = (...args: string[]) => spawnSync('ctr', ['--address', sock, '--namespace', 'k8s.io', 'images', ...args], { encoding: 'utf8' });
  ctr('rm', `${OPERATOR_IMAGE}:${tag}`);
  const r = ctr('tag', `${OPERATOR_IMAGE}:${OPERATOR_VERSION}`, `${OPERATOR_IMAGE}:${tag}`);
  if (r.status !== 0) throw new Error(`ctr images tag: ${r.stderr}`);
}

export interface Install {
  dir: string;
  /** The operator's namespace, Deployment, ServiceAccount. */
  namespace: string;
  deployment: string;
  serviceAccount: string;
  taskQueue: string;
}

export interface InstallOptions {
  /** deploy/ path of the overlay users apply. */
  from: 'overlays/local-stack' | 'overlays/namespaced';
  suffix: string;
  watch: string[];
  tag?: string;
  /** overlays/namespaced: its example namespaces' RoleBindings moved to these. */
  roleBindings?: Record<string, string>;
  /** deploy/components/* added, and config literals (KEY=value) merged in, as a user's overlay would. */
  components?: string[];
  config?: string[];
}

export function writeInstallOverlay(o: InstallOptions): Install {
  const dir = mkdtempSync(join(tmpdir(), `etcdop-install-${o.suffix}-`));
  const namespace = `etcd-operator-system-${o.suffix}`;
  const taskQueue = `e2e-install-${o.suffix}`;
  const rel = (p: string) => relative(dir, join(repoRoot, 'deploy', p));
  const replace = (path: string, value: string) => stringify([{ op: 'replace', path, value }]);
  const k = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [rel(o.from)],
    components: [...(o.from === 'overlays/namespaced' ? ['components/local-stack'] : []), ...(o.components ?? [])].map(rel),
    nameSuffix: `-${o.suffix}`,
    configMapGenerator: [{ name: 'etcd-operator-config', namespace: 'etcd-operator-system', behavior: 'merge', literals: [`ETCD_OPERATOR_WATCH_NAMESPACES=${o.watch.join(',')}`, `ETCD_OPERATOR_TASK_QUEUE=${taskQueue}`, ...(o.config ?? [])] }],
    images: [{ name: OPERATOR_IMAGE, newTag: o.tag ?? OPERATOR_VERSION }],
    patches: [
      { target: { kind: 'Namespace', name: 'etcd-operator-system' }, patch: replace('/metadata/name', namespace) },
      { target: { namespace: 'etcd-operator-system' }, patch: replace('/metadata/namespace', namespace) },
      { target: { kind: 'ClusterRoleBinding' }, patch: replace('/subjects/0/namespace', namespace) },
      { target: { kind: 'RoleBinding' }, patch: replace('/subjects/0/namespace', namespace) },
      ...Object.entries(o.roleBindings ?? {}).map(([from, to]) => ({ target: { kind: 'RoleBinding', namespace: from }, patch: replace('/metadata/namespace', to) })),
    ],
  };
  writeFileSync(join(dir, 'kustomization.yaml'), stringify(k));
  return { dir, namespace, deployment: `etcd-operator-${o.suffix}`, serviceAccount: `etcd-operator-${o.suffix}`, taskQueue };
}

/** `kubectl apply --server-side -k`, as the README says. */
export function applyInstall(i: Install): string {
  return kubectl(['apply', '--server-side', '-k', i.dir]);
}

/** `kubectl delete -k`: returns its exit status and output (the CRDs are refused by design). */
export function deleteInstall(i: Install): { status: number; output: string } {
  const r = spawnSync('kubectl', ['delete', '-k', i.dir, '--wait=true', '--timeout=120s'], { encoding: 'utf8', env: process.env, timeout: 180_000 });
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

export function rolloutStatus(i: Install, timeoutS = 240): void {
  kubectl(['rollout', 'status', '-n', i.namespace, `deploy/${i.deployment}`, `--timeout=${timeoutS}s`]);
}

/** The operator pods' names (ready or not). */
export function operatorPods(i: Install): string[] {
  return kubectl(['get', 'pods', '-n', i.namespace, '-l', 'app.kubernetes.io/name=etcd-operator', '-o', 'jsonpath={.items[*].metadata.name}']).split(/\s+/).filter(Boolean);
}

/** `etcdop doctor` against this install: exit status and its lines. */
export function doctor(i: Install, env: NodeJS.ProcessEnv = process.env): { status: number; output: string } {
  const r = spawnSync(process.execPath, [`${repoRoot}bin/etcdop.js`, 'doctor', '--operator-namespace', i.namespace, '--deployment', i.deployment, '--service-account', i.serviceAccount, '--task-queue', i.taskQueue],
    { encoding: 'utf8', env, timeout: 120_000 });
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}
