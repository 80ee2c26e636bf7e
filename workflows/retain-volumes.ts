// Whether volumes a step removes are kept: spec.storage.retainOnDelete, and when the spec cannot be
// read (invalid, or the object already gone) the answer is unknown, and unknown means keep.
import { kubeBounded } from './activity-proxies.ts';
import type { ClusterKey } from '../domain/types.ts';

export const retainVolumes = (key: ClusterKey): Promise<boolean> =>
  kubeBounded.readCluster(key).then((desired) => desired?.retainOnDelete ?? true, () => true);
