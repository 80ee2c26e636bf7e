// The EtcdCluster CustomResourceDefinition, built from the zod schemas plus the CEL rules, and its
// YAML rendering. scripts/gen-crds.ts writes it to deploy/crds/; a unit test keeps that file fresh.
import { stringify } from 'yaml';
import { CLUSTER_NAME_MAX_LENGTH, DNS1035_LABEL, ETCD_BACKUP, ETCD_CLUSTER, ETCD_USER, GROUP, VERSION } from './api.ts';
import { EtcdBackupSpecSchema, EtcdBackupStatusSchema } from './backup-spec.ts';
import { EtcdClusterSpecSchema } from './cluster-spec.ts';
import { EtcdClusterStatusSchema } from './cluster-status.ts';
import { BACKUP_CEL_RULES, CLUSTER_CEL_RULES, USER_CEL_RULES, type PlacedCelRule } from './crd-rules.ts';
import { EtcdUserSpecSchema, EtcdUserStatusSchema } from './user-spec.ts';
import { toStructuralSchema, type JSONSchemaProps } from './structural-schema.ts';

export interface PrinterColumn {
  name: string;
  type: 'integer' | 'number' | 'string' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
}

export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels?: Record<string, string> };
  spec: {
    group: string;
    scope: 'Namespaced' | 'Cluster';
    names: { kind: string; listKind: string; singular: string; plural: string; shortNames?: string[]; categories?: string[] };
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      schema: { openAPIV3Schema: JSONSchemaProps };
      subresources?: {
        status?: Record<string, never>;
        scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
      };
      additionalPrinterColumns?: PrinterColumn[];
    }[];
  };
}

export const ETCD_CLUSTER_CRD_NAME = `${ETCD_CLUSTER.plural}.${GROUP}`;
export const ETCD_BACKUP_CRD_NAME = `${ETCD_BACKUP.plural}.${GROUP}`;
export const ETCD_USER_CRD_NAME = `${ETCD_USER.plural}.${GROUP}`;

export const USER_PRINTER_COLUMNS: PrinterColumn[] = [
  { name: 'Cluster', type: 'string', jsonPath: '.spec.clusterName' },
  { name: 'Username', type: 'string', jsonPath: '.spec.username' },
  { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  { name: 'Credentials', type: 'string', jsonPath: '.status.credentialsSecret', description: 'Secret an application mounts' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];

export const BACKUP_PRINTER_COLUMNS: PrinterColumn[] = [
  { name: 'Cluster', type: 'string', jsonPath: '.spec.clusterName', description: 'EtcdCluster backed up' },
  { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
  { name: 'Size', type: 'integer', jsonPath: '.status.sizeBytes', description: 'Snapshot bytes' },
  { name: 'Revision', type: 'integer', jsonPath: '.status.revision', description: 'etcd revision in the snapshot' },
  { name: 'Location', type: 'string', jsonPath: '.status.location', priority: 1 },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];

export const PRINTER_COLUMNS: PrinterColumn[] = [
  { name: 'Size', type: 'integer', jsonPath: '.spec.size', description: 'Desired members' },
  { name: 'Ready', type: 'integer', jsonPath: '.status.readyMembers', description: 'Healthy members' },
  { name: 'Version', type: 'string', jsonPath: '.status.currentVersion', description: 'Running etcd version' },
  { name: 'Available', type: 'string', jsonPath: '.status.conditions[?(@.type=="Available")].status' },
  { name: 'Operation', type: 'string', jsonPath: '.status.operation.type', description: 'Operation in flight' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  { name: 'Step', type: 'string', jsonPath: '.status.operation.step', description: 'Step of the operation, e.g. Upgrade 3.5.35 -> 3.6.16: 2/3 members', priority: 1 },
];

/** Puts each rule on the node its `at` path names; a path that does not exist is a bug, so it throws. */
export function attachCelRules(root: JSONSchemaProps, rules: readonly PlacedCelRule[]): JSONSchemaProps {
  for (const { at, ...rule } of rules) {
    const node = at.reduce<JSONSchemaProps>((n, key) => {
      const child = n.properties?.[key];
      if (!child) throw new Error(`CEL rule "${rule.rule}": no schema node at ${at.join('.')}`);
      return child;
    }, root);
    node['x-kubernetes-validations'] = [...(node['x-kubernetes-validations'] ?? []), rule];
  }
  return root;
}

interface CrdParts {
  crdName: string;
  names: CustomResourceDefinition['spec']['names'];
  description: string;
  metadata?: JSONSchemaProps;
  spec: JSONSchemaProps;
  status: JSONSchemaProps;
  /** Whether an object must have a spec (EtcdCluster's defaults fill an absent one). */
  specRequired: boolean;
  cel: readonly PlacedCelRule[];
  columns: CustomResourceDefinition['spec']['versions'][number]['additionalPrinterColumns'];
  subresources: CustomResourceDefinition['spec']['versions'][number]['subresources'];
}

/** One namespaced kind of our group, served and stored at VERSION. */
function crdOf(p: CrdParts): CustomResourceDefinition {
  const root: JSONSchemaProps = {
    description: p.description,
    type: 'object',
    properties: {
      apiVersion: { description: 'APIVersion of this object.', type: 'string' },
      kind: { description: 'Kind of this object.', type: 'string' },
      metadata: p.metadata ?? { type: 'object' },
      spec: p.spec,
      status: p.status,
    },
    ...(p.specRequired && { required: ['spec'] }),
  };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: p.crdName },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: p.names,
      versions: [{
        name: VERSION,
        served: true,
        storage: true,
        schema: { openAPIV3Schema: attachCelRules(root, p.cel) },
        subresources: p.subresources,
        additionalPrinterColumns: p.columns,
      }],
    },
  };
}

export function etcdClusterCrd(): CustomResourceDefinition {
  return crdOf({
    crdName: ETCD_CLUSTER_CRD_NAME,
    names: { ...ETCD_CLUSTER, shortNames: ['etcd'], categories: ['etcd'] },
    description: 'EtcdCluster is an etcd cluster run by etcd-operator; each lifecycle operation is a durable Temporal workflow.',
    metadata: {
      type: 'object',
      // The name prefixes Pods (`<name>-<n>`) and Services (`<name>-client`): keep those valid DNS-1035 labels.
      properties: { name: { type: 'string', maxLength: CLUSTER_NAME_MAX_LENGTH, pattern: DNS1035_LABEL.source } },
    },
    // `default: {}` lets an EtcdCluster without a spec get every nested default.
    spec: { ...toStructuralSchema(EtcdClusterSpecSchema), default: {} },
    status: toStructuralSchema(EtcdClusterStatusSchema),
    specRequired: false,
    cel: CLUSTER_CEL_RULES,
    columns: PRINTER_COLUMNS,
    subresources: {
      status: {},
      // `kubectl scale etcdcluster/x --replicas=5` sets spec.size; HPA-style tools read the selector.
      scale: { specReplicasPath: '.spec.size', statusReplicasPath: '.status.readyMembers', labelSelectorPath: '.status.selector' },
    },
  });
}

const HEADER = '# Generated by scripts/gen-crds.ts from k8s/ (zod schemas + CEL rules). Do not edit: run npm run gen:crds.\n';

export const renderYaml = (obj: unknown): string => HEADER + stringify(obj, { lineWidth: 0, aliasDuplicateObjects: false });

export function etcdBackupCrd(): CustomResourceDefinition {
  return crdOf({
    crdName: ETCD_BACKUP_CRD_NAME,
    names: { ...ETCD_BACKUP, shortNames: ['etcdbackup'], categories: ['etcd'] },
    description: 'EtcdBackup is one snapshot of an EtcdCluster, taken by a durable Temporal workflow and stored in S3 or a PVC.',
    spec: toStructuralSchema(EtcdBackupSpecSchema),
    status: toStructuralSchema(EtcdBackupStatusSchema),
    specRequired: true,
    cel: BACKUP_CEL_RULES,
    columns: BACKUP_PRINTER_COLUMNS,
    subresources: { status: {} },
  });
}

export function etcdUserCrd(): CustomResourceDefinition {
  return crdOf({
    crdName: ETCD_USER_CRD_NAME,
    names: { ...ETCD_USER, shortNames: ['etcduser'], categories: ['etcd'] },
    description: 'EtcdUser is a user of an EtcdCluster with its roles and key permissions; its credentials Secret is what an application mounts.',
    spec: toStructuralSchema(EtcdUserSpecSchema),
    status: toStructuralSchema(EtcdUserStatusSchema),
    specRequired: true,
    cel: USER_CEL_RULES,
    columns: USER_PRINTER_COLUMNS,
    subresources: { status: {} },
  });
}

/** Every generated CRD file, path relative to the repository root. */
export function crdFiles(): { path: string; content: string }[] {
  return [
    { path: 'deploy/crds/etcdclusters.yaml', content: renderYaml(etcdClusterCrd()) },
    { path: 'deploy/crds/etcdbackups.yaml', content: renderYaml(etcdBackupCrd()) },
    { path: 'deploy/crds/etcdusers.yaml', content: renderYaml(etcdUserCrd()) },
  ];
}
