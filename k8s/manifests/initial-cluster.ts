// etcd's --initial-cluster value: every member that is (or will be) a voter, by peer URL.
import { peerURL } from '../api.ts';

/** `initialCluster('db', 'ns', ['db-0', 'db-1'])` -> `db-0=http://db-0.db.ns.svc:2380,db-1=http://db-1.db.ns.svc:2380`. */
export const initialCluster = (cluster: string, namespace: string, members: readonly string[], tls = false): string =>
  members.map((m) => `${m}=${peerURL(cluster, namespace, m, tls)}`).join(',');
