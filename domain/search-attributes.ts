// Custom search attributes on every operator workflow (registered by the stack's dev server and
// by scripts for other servers): find every operation of a cluster in the UI or CLI.
import { defineSearchAttributeKey, SearchAttributeType, TypedSearchAttributes } from '@temporalio/common';
import type { ClusterKey } from './types.ts';

export const EtcdClusterNamespace = defineSearchAttributeKey('EtcdClusterNamespace', SearchAttributeType.KEYWORD);
export const EtcdClusterName = defineSearchAttributeKey('EtcdClusterName', SearchAttributeType.KEYWORD);
export const EtcdOperation = defineSearchAttributeKey('EtcdOperation', SearchAttributeType.KEYWORD);

export function clusterSearchAttributes(key: ClusterKey, operation: string): TypedSearchAttributes {
  return new TypedSearchAttributes([
    { key: EtcdClusterNamespace, value: key.namespace },
    { key: EtcdClusterName, value: key.name },
    { key: EtcdOperation, value: operation },
  ]);
}
