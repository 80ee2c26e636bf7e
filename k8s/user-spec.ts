// EtcdUser: a user of one EtcdCluster, its password (a Secret, made if absent) and its roles with
// key permissions. Zod is the source of truth: the CRD is generated from it (k8s/crd.ts).
import { z } from 'zod';
import { CLUSTER_NAME_MAX_LENGTH } from './api.ts';
import { secretName } from './security-spec.ts';

const STRING = { error: (iss: { code: string }) => (iss.code === 'invalid_type' ? 'must be a string' : undefined) };
// etcd takes any string; these are the ones that survive shells, URLs and Secret keys unquoted.
const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]*$/;
const NAME_MSG = 'must be 1-128 letters, digits, ".", "_", "@" and "-", starting with a letter or digit';
const etcdName = (what: string) => z.string(STRING).min(1, { error: NAME_MSG }).max(128, { error: NAME_MSG }).regex(NAME, { error: NAME_MSG })
  .refine((n) => n !== 'root', { error: `"root" is the operator's own ${what}: pick another name` });

export const PERMISSION_TYPES = ['read', 'write', 'readwrite'] as const;

const PermissionSchema = z.object({
  type: z.enum(PERMISSION_TYPES, { error: 'must be read, write or readwrite' }).describe('read, write or readwrite.'),
  key: z.string(STRING).min(1, { error: 'must not be empty' }).max(1024).describe('The key, or the start of the range.'),
  prefix: z.boolean({ error: 'must be true or false' }).default(false).describe('Every key that starts with key (etcdctl --prefix).'),
  rangeEnd: z.string(STRING).min(1).max(1024).optional().describe('End of the range [key, rangeEnd), exclusive; instead of prefix.'),
}).refine((p) => !(p.prefix && p.rangeEnd), { error: 'set prefix or rangeEnd, not both', path: ['rangeEnd'] })
  .refine((p) => p.rangeEnd === undefined || p.rangeEnd > p.key, { error: 'rangeEnd must sort after key', path: ['rangeEnd'] });

const RoleSchema = z.object({
  name: etcdName('role').describe('etcd role name; shared by every EtcdUser of the cluster that names it.'),
  permissions: z.array(PermissionSchema).max(64).default([]).describe('Key permissions the role grants (exactly these).'),
});

export const EtcdUserSpecSchema = z.object({
  clusterName: z.string(STRING).min(1).max(CLUSTER_NAME_MAX_LENGTH).describe('EtcdCluster in the same namespace. Immutable.'),
  username: etcdName('user').describe('etcd user name. Immutable.'),
  passwordSecret: secretName().optional()
    .describe('Secret whose key "password" is the user\'s password; default <name>-password, created with a random password if absent. Editing it changes the password.'),
  roles: z.array(RoleSchema).max(16).default([]).describe('Roles granted to the user, each with its key permissions.'),
}).refine((s) => new Set(s.roles.map((r) => r.name)).size === s.roles.length, { error: 'role names must be unique', path: ['roles'] })
  .describe('A user of an EtcdCluster.');
export type EtcdUserSpec = z.output<typeof EtcdUserSpecSchema>;
export type Permission = EtcdUserSpec['roles'][number]['permissions'][number];

export const EtcdUserStatusSchema = z.object({
  conditions: z.array(z.object({
    type: z.enum(['Ready']).describe('Ready: True once the user, its roles and the credentials Secret match the spec.'),
    status: z.enum(['True', 'False', 'Unknown']).describe('True, False or Unknown.'),
    reason: z.string().min(1).max(1024).regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/).describe('CamelCase reason for the last transition.'),
    message: z.string().max(32768).optional().describe('Human-readable details.'),
    lastTransitionTime: z.iso.datetime().describe('When status last changed.'),
    observedGeneration: z.int().min(0).optional().describe('metadata.generation the condition was computed from.'),
  })).max(4).meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] }).optional().describe('Ready, the Kubernetes way.'),
  credentialsSecret: z.string().max(253).optional().describe('Secret with endpoints, username, password (and ca.crt with TLS): what an application mounts.'),
  observedGeneration: z.int().min(0).optional().describe('metadata.generation last applied.'),
  workflowId: z.string().max(1024).optional().describe('The Temporal workflow that manages this user.'),
}).describe('Observed state of the user.');
export type EtcdUserStatus = z.output<typeof EtcdUserStatusSchema>;

export const defaultPasswordSecret = (user: string): string => `${user}-password`;
export const credentialsSecretName = (user: string): string => `${user}-credentials`;

/** An etcd key range for a permission: [key, rangeEnd); prefix -> the key with its last byte + 1 (etcd's own prefix rule; UTF-8 never holds 0xff, so it cannot overflow). */
export function permissionRange(p: Permission): { key: Buffer; rangeEnd: Buffer } {
  const key = Buffer.from(p.key);
  if (p.rangeEnd) return { key, rangeEnd: Buffer.from(p.rangeEnd) };
  if (!p.prefix) return { key, rangeEnd: Buffer.alloc(0) };
  const end = Buffer.from(key);
  end[end.length - 1] = end[end.length - 1]! + 1;
  return { key, rangeEnd: end };
}
