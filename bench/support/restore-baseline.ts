// The baseline every restore is measured against (bench/backup.ts, bench/restore-floor.ts): what a
// restore must at least do, `etcdutl snapshot restore` of the file on this machine plus a pod with
// a new volume started until ready.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { etcdImage, kubectl, kubectlJson } from '../../test/support/kube.ts';
import { seconds } from './stats.ts';


/** A new 2 GiB claim and a pod mounting it at /data, as one apply. */
export const claimAndPod = (name: string, spec: object): string => JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } } },
  { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { terminationGracePeriodSeconds: 0, ...spec } },
] });

/** Seconds of the baseline for `file`, in `ns` under the name `name`, with etcd `version`. */
export function restoreBaseline(ns: string, file: string, name: string, version: string): number {
  const out = mkdtempSync(join(tmpdir(), 'bench-restore-'));
  const t0 = performance.now();
  execFileSync('etcdutl', ['snapshot', 'restore', file, '--data-dir', join(out, 'data'), '--skip-hash-check=false'], { stdio: 'ignore' });
  const restored = seconds(t0);
  rmSync(out, { recursive: true, force: true });
  const t1 = performance.now();
  kubectl(['apply', '-n', ns, '-f', '-'], claimAndPod(name, {
    containers: [{ name: 'c', image: etcdImage(version), command: ['etcd', '--data-dir=/data/etcd'], volumeMounts: [{ name: 'd', mountPath: '/data' }] }],
    volumes: [{ name: 'd', persistentVolumeClaim: { claimName: name } }],
  }));
  kubectl(['wait', '-n', ns, '--for=condition=Ready', `pod/${name}`, '--timeout=180s']);
  const started = seconds(t1);
  removeClaimAndPod(ns, name);
  return restored + started;
}

/**
 * Pod and claim gone, volume included, before the next measurement: the provisioner deleting
 * hundreds of MiB must not run beside the operator's backup or restore that follows.
 */
export function removeClaimAndPod(ns: string, name: string): void {
  kubectl(['delete', '-n', ns, `pod/${name}`, `pvc/${name}`, '--wait=true', '--timeout=180s']);
  waitVolumesGone(ns, name);
}

/** Waits until no PersistentVolume is bound to the claim any more (the provisioner deleted its data). */
export function waitVolumesGone(ns: string, claim: string): void {
  const deadline = Date.now() + 180_000;
  const bound = () => kubectlJson<{ items: { spec?: { claimRef?: { namespace?: string; name?: string } } }[] }>(['get', 'pv']).items
    .some((pv) => pv.spec?.claimRef?.namespace === ns && pv.spec.claimRef.name === claim);
  while (bound()) {
    if (Date.now() > deadline) throw new Error(`the volume of ${ns}/${claim} was not deleted within 180 s`);
    execFileSync('sleep', ['0.5']);
  }
}
