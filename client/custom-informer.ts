// An informer on one of our custom kinds (EtcdCluster, EtcdBackup, EtcdUser), in one namespace or all.
import { makeInformer, type Informer, type KubernetesObject, type ObjectCache } from '@kubernetes/client-node';
import type { Kube } from '../k8s/kube-client.ts';
import { GROUP, VERSION } from '../k8s/api.ts';

export type CustomInformer = Informer<KubernetesObject> & ObjectCache<KubernetesObject>;

export function customObjectInformer(kube: Kube, plural: string, namespace?: string): CustomInformer {
  const path = namespace ? `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${plural}` : `/apis/${GROUP}/${VERSION}/${plural}`;
  const list = () => (namespace
    ? kube.custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural })
    : kube.custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural })) as never;
  return makeInformer<KubernetesObject>(kube.config, path, list);
}
