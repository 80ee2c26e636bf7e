// `etcdop doctor`: is the operator installed and able to work? One line per check (ok, warn,
// FAIL) and what to do about a failure; exits 1 if anything failed. Checks the API server, our
// CRDs against this version's, the operator's Deployment and RBAC in the namespaces it watches,
// Temporal, the namespace's search attributes and the workers polling the task queue.
import { AppsV1Api, VersionApi, type V1Deployment } from '@kubernetes/client-node';
import { Kube, isNotFound } from '../k8s/kube-client.ts';
import { etcdBackupCrd, etcdClusterCrd, etcdUserCrd, type CustomResourceDefinition } from '../k8s/crd.ts';
import { deniedPermissions, describeDenied, serviceAccountSubject } from '../k8s/access-review.ts';
import { connectClient, temporalTarget } from '../client/temporal.ts';
import { createCommands, missingSearchAttributes, REQUIRED_SEARCH_ATTRIBUTES } from '../client/search-attributes.ts';
import { OPERATOR_VERSION } from '../worker/version.ts';
import { watchedNamespaces } from '../domain/watched-namespaces.ts';

type Level = 'ok' | 'warn' | 'FAIL';
export interface Finding { level: Level; check: string; message: string }

export interface DoctorOptions { namespace?: string; operatorNamespace: string; deployment: string; serviceAccount: string; taskQueue: string; output: string; onHost?: boolean }

const canonical = (v: unknown): unknown => (Array.isArray(v) ? v.map(canonical)
  : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, canonical(x)]))
    : v);
const errText = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]!;

/** As the API serves it: read untyped, so the schema keeps its own field names (x-kubernetes-*). */
type LiveCrd = CustomResourceDefinition & { status?: { conditions?: { type: string; status: string }[] } };
type LiveVersion = CustomResourceDefinition['spec']['versions'][number] & { storage?: boolean };

function checkCrd(want: CustomResourceDefinition, live: LiveCrd | undefined): Finding {
  const name = want.metadata.name;
  if (!live) return { level: 'FAIL', check: `crd ${name}`, message: 'not installed: kubectl apply --server-side -k deploy/' };
  const established = live.status?.conditions?.find((c) => c.type === 'Established')?.status === 'True';
  if (!established) return { level: 'FAIL', check: `crd ${name}`, message: 'not Established yet (kubectl describe crd)' };
  const versions = (live.spec.versions as LiveVersion[]).map((v) => `${v.name}${v.storage ? '*' : ''}`).join(',');
  const same = JSON.stringify(canonical(live.spec.versions.map((v) => ({ name: v.name, schema: v.schema }))))
    === JSON.stringify(canonical(want.spec.versions.map((v) => ({ name: v.name, schema: v.schema }))));
  return same
    ? { level: 'ok', check: `crd ${name}`, message: `Established, versions ${versions}, schema of etcdop ${OPERATOR_VERSION}` }
    : { level: 'FAIL', check: `crd ${name}`, message: `schema differs from etcdop ${OPERATOR_VERSION}'s: kubectl apply --server-side -k deploy/ (of this version)` };
}

/** The namespaces the installed operator watches: its config's ETCD_OPERATOR_WATCH_NAMESPACES. */
async function installedWatchList(kube: Kube, dep: V1Deployment | undefined, namespace: string): Promise<string | undefined> {
  const container = dep?.spec?.template.spec?.containers[0];
  const direct = container?.env?.find((e) => e.name === 'ETCD_OPERATOR_WATCH_NAMESPACES')?.value;
  if (direct !== undefined) return direct;
  for (const from of container?.envFrom ?? []) {
    if (!from.configMapRef?.name) continue;
    const cm = await kube.core.readNamespacedConfigMap({ name: from.configMapRef.name, namespace }).catch(() => undefined);
    const v = cm?.data?.ETCD_OPERATOR_WATCH_NAMESPACES;
    if (v !== undefined) return v;
  }
  return undefined;
}

export async function diagnose(o: DoctorOptions): Promise<Finding[]> {
  const out: Finding[] = [];
  const kube = Kube.fromDefault();
  const server = kube.config.getCurrentCluster()?.server ?? '?';
  let apiUp = false;
  try {
    const v = await kube.config.makeApiClient(VersionApi).getCode();
    out.push({ level: 'ok', check: 'kubernetes', message: `API server ${v.gitVersion} at ${server}` });
    apiUp = true;
  } catch (err) {
    out.push({ level: 'FAIL', check: 'kubernetes', message: `API server at ${server} does not answer: ${errText(err)}` });
  }
  if (apiUp) {
    for (const want of [etcdClusterCrd(), etcdBackupCrd(), etcdUserCrd()]) {
      const live = await kube.custom.getClusterCustomObject({ group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', name: want.metadata.name })
        .then((o) => o as LiveCrd, (err: unknown) => { if (isNotFound(err)) return undefined; throw err; });
      out.push(checkCrd(want, live));
    }
    const apps = kube.config.makeApiClient(AppsV1Api);
    const dep = o.onHost ? undefined : await apps.readNamespacedDeployment({ name: o.deployment, namespace: o.operatorNamespace }).catch(() => undefined);
    if (o.onHost) {
      out.push({ level: 'ok', check: 'operator', message: 'on this host (etcdop run, npm start): it acts with your kubeconfig\'s credentials' });
    } else if (!dep) {
      out.push({ level: 'warn', check: 'operator', message: `no Deployment ${o.deployment} in ${o.operatorNamespace}: checked as an operator on this host (etcdop run) with your kubeconfig (else: kubectl apply --server-side -k deploy/)` });
    } else {
      const want = dep.spec?.replicas ?? 1;
      const ready = dep.status?.readyReplicas ?? 0;
      const image = dep.spec?.template.spec?.containers[0]?.image;
      out.push(ready >= want && (dep.status?.updatedReplicas ?? 0) >= want
        ? { level: 'ok', check: 'operator', message: `${ready}/${want} replicas ready, image ${image}` }
        : { level: 'FAIL', check: 'operator', message: `${ready}/${want} replicas ready (image ${image}): kubectl -n ${o.operatorNamespace} describe deploy/${o.deployment}; kubectl -n ${o.operatorNamespace} logs deploy/${o.deployment}` });
    }
    // On a host the operator watches what `etcdop run` would (ETCD_OPERATOR_WATCH_NAMESPACES) and acts
    // as the kubeconfig's user: that user's permissions are the ones to check.
    const list = o.namespace ?? (dep ? await installedWatchList(kube, dep, o.operatorNamespace) : process.env.ETCD_OPERATOR_WATCH_NAMESPACES);
    const namespaces = watchedNamespaces(list);
    const where = namespaces.length ? namespaces.join(', ') : 'all namespaces';
    const who = dep ? `ServiceAccount ${o.operatorNamespace}/${o.serviceAccount}` : `your kubeconfig's user (${kube.config.getCurrentUser()?.name ?? '?'})`;
    const fix = dep ? 'bind ClusterRole etcd-operator there' : 'run the operator with credentials that may, or install it: kubectl apply --server-side -k deploy/';
    try {
      const denied = await deniedPermissions(kube.config, namespaces, dep ? serviceAccountSubject(o.operatorNamespace, o.serviceAccount) : undefined);
      out.push(denied.length
        ? { level: 'FAIL', check: 'rbac', message: `${who} lacks: ${describeDenied(denied).join('; ')} (${fix})` }
        : { level: 'ok', check: 'rbac', message: `${who} has every permission the operator needs in ${where}` });
    } catch (err) {
      out.push({ level: 'warn', check: 'rbac', message: `cannot check (you may not create SubjectAccessReviews): ${errText(err)}` });
    }
  }

  const target = temporalTarget();
  const namespace = target.namespace;
  let client;
  try {
    client = await connectClient(target);
    const info = await client.workflowService.getSystemInfo({});
    out.push({ level: 'ok', check: 'temporal', message: `connected to ${target.describe}, server ${info.serverVersion || '?'}` });
  } catch (err) {
    out.push({ level: 'FAIL', check: 'temporal', message: `cannot reach ${target.describe}: ${errText(err)}` });
    await client?.connection.close();
    return out;
  }
  try {
    const missing = await missingSearchAttributes(client, namespace);
    out.push(missing.length
      ? { level: 'FAIL', check: 'search attributes', message: `missing ${missing.join(', ')} (the operator registers them at startup when allowed): ${createCommands(namespace, missing)}` }
      : { level: 'ok', check: 'search attributes', message: `${REQUIRED_SEARCH_ATTRIBUTES.join(', ')} registered` });
    const tq = await client.workflowService.describeTaskQueue({ namespace, taskQueue: { name: o.taskQueue }, taskQueueType: 1 });
    const pollers = (tq.pollers ?? []).map((p) => p.identity).filter(Boolean);
    out.push(pollers.length
      ? { level: 'ok', check: 'workers', message: `${pollers.length} polling task queue ${o.taskQueue}: ${pollers.join(', ')}` }
      : { level: 'FAIL', check: 'workers', message: `no worker has polled task queue ${o.taskQueue} lately: is the operator running and connected to this Temporal?` });
  } catch (err) {
    out.push({ level: 'FAIL', check: 'temporal', message: `namespace ${namespace}: ${errText(err)}` });
  } finally {
    await client.connection.close();
  }
  return out;
}
