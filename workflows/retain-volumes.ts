// Whether volumes a step removes are kept: spec.storage.retainOnDelete, and when the spec cannot be
// read (invalid, or the object already gone) the answer is unknown, and unknown means keep.
import { kube } from './activity-proxies.ts';
import type { ClusterKey } from './types.ts';

export const retainVolumes = (key: ClusterKey): Promise<boolean> =>
  kube.readCluster(key).then((desired) => desired?.retainOnDelete ?? true, () => true);
