var __defProp = Object.defineProperty;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __esm = (fn, res, err) => function __init() {
  if (err) throw err[0];
  try {
    return fn && (res = (0, fn[__getOwnPropNames(fn)[0]])(fn = 0)), res;
  } catch (e) {
    throw err = [e], e;
  }
};
var __export = (target, all) => {
  for (var name in all)
    __defProp(target, name, { get: all[name], enumerable: true });
};

// workflows/ids.ts
var TASK_QUEUE, clusterWorkflowId, backupWorkflowId, deleteBackupWorkflowId, backupScheduleId, scheduledBackupWorkflowIdPrefix, userWorkflowId;
var init_ids = __esm({
  "workflows/ids.ts"() {
    "use strict";
    TASK_QUEUE = "etcd-operator";
    clusterWorkflowId = (key) => `etcdcluster-${key.uid}`;
    backupWorkflowId = (backup) => `etcdbackup-${backup.uid}`;
    deleteBackupWorkflowId = (backup) => `etcdbackup-${backup.uid}/delete`;
    backupScheduleId = (key) => `etcdbackup-schedule-${key.uid}`;
    scheduledBackupWorkflowIdPrefix = (key) => `${clusterWorkflowId(key)}/scheduled-backup`;
    userWorkflowId = (user) => `etcduser-${user.uid}`;
  }
});

// workflows/messages.ts
import { defineQuery, defineSignal, defineUpdate } from "@temporalio/workflow";
var specChangedSignal, deleteRequestedSignal, membersChangedSignal, retrySignal, retryUpdate, stateQuery, stepQuery, approveRecoverySignal, approveRecoveryUpdate, defragSignal, defragUpdate, userChangedSignal;
var init_messages = __esm({
  "workflows/messages.ts"() {
    "use strict";
    specChangedSignal = defineSignal("specChanged");
    deleteRequestedSignal = defineSignal("deleteRequested");
    membersChangedSignal = defineSignal("membersChanged");
    retrySignal = defineSignal("retry");
    retryUpdate = defineUpdate("retryFailedOperation");
    stateQuery = defineQuery("state");
    stepQuery = defineQuery("step");
    approveRecoverySignal = defineSignal("approveRecovery");
    approveRecoveryUpdate = defineUpdate("approve");
    defragSignal = defineSignal("defrag");
    defragUpdate = defineUpdate("defrag");
    userChangedSignal = defineSignal("userChanged");
  }
});

// client/temporal.ts
import { Client, Connection } from "@temporalio/client";
async function connectClient() {
  const connection = await Connection.connect({ address: temporalAddress() });
  return new Client({ connection, namespace: temporalNamespace() });
}
var temporalAddress, temporalNamespace;
var init_temporal = __esm({
  "client/temporal.ts"() {
    "use strict";
    temporalAddress = () => process.env.TEMPORAL_ADDRESS ?? "127.0.0.1:7233";
    temporalNamespace = () => process.env.TEMPORAL_NAMESPACE ?? "default";
  }
});

// k8s/api.ts
var GROUP, VERSION, API_VERSION, resource, ETCD_CLUSTER, ETCD_BACKUP, ETCD_RESTORE, ETCD_USER, FIELD_MANAGER, FINALIZER, LABELS, BOOTSTRAPPED_ANNOTATION, APP_NAME, MANAGED_BY, CLIENT_PORT, PEER_PORT, METRICS_PORT, CLUSTER_NAME_MAX_LENGTH, headlessServiceName, clientServiceName, memberName, pvcName, pdbName, scheme, peerURL, clientURL, clientServiceHost;
var init_api = __esm({
  "k8s/api.ts"() {
    "use strict";
    GROUP = "etcd.operator.dev";
    VERSION = "v1alpha1";
    API_VERSION = `${GROUP}/${VERSION}`;
    resource = (kind) => {
      const singular = kind.toLowerCase();
      return { kind, listKind: `${kind}List`, singular, plural: `${singular}s` };
    };
    ETCD_CLUSTER = resource("EtcdCluster");
    ETCD_BACKUP = resource("EtcdBackup");
    ETCD_RESTORE = resource("EtcdRestore");
    ETCD_USER = resource("EtcdUser");
    FIELD_MANAGER = "etcd-operator";
    FINALIZER = `${GROUP}/cleanup`;
    LABELS = {
      name: "app.kubernetes.io/name",
      instance: "app.kubernetes.io/instance",
      managedBy: "app.kubernetes.io/managed-by",
      cluster: `${GROUP}/cluster`,
      member: `${GROUP}/member`,
      /** The owning cluster's uid: selects a cluster's pods and volumes, even kept ones without an owner reference. */
      clusterUid: `${GROUP}/cluster-uid`,
      /** On a volume kept (retainOnDelete) after its member was removed: not a member's data any more. */
      removed: `${GROUP}/removed-member`
    };
    BOOTSTRAPPED_ANNOTATION = `${GROUP}/bootstrapped`;
    APP_NAME = "etcd";
    MANAGED_BY = "etcd-operator";
    CLIENT_PORT = 2379;
    PEER_PORT = 2380;
    METRICS_PORT = 2381;
    CLUSTER_NAME_MAX_LENGTH = 63 - "-client".length;
    headlessServiceName = (cluster) => cluster;
    clientServiceName = (cluster) => `${cluster}-client`;
    memberName = (cluster, index) => `${cluster}-${index}`;
    pvcName = (member) => `data-${member}`;
    pdbName = (cluster) => cluster;
    scheme = (tls) => tls ? "https" : "http";
    peerURL = (cluster, namespace, member, tls = false) => `${scheme(tls)}://${member}.${headlessServiceName(cluster)}.${namespace}.svc:${PEER_PORT}`;
    clientURL = (cluster, namespace, member, tls = false) => `${scheme(tls)}://${member}.${headlessServiceName(cluster)}.${namespace}.svc:${CLIENT_PORT}`;
    clientServiceHost = (cluster, namespace) => `${clientServiceName(cluster)}.${namespace}.svc`;
  }
});

// activities/kube-client.ts
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions
} from "@kubernetes/client-node";
var isNotFound, isConflict, isNamespaceTerminating, Kube;
var init_kube_client = __esm({
  "activities/kube-client.ts"() {
    "use strict";
    init_api();
    isNotFound = (err) => err instanceof ApiException && err.code === 404;
    isConflict = (err) => err instanceof ApiException && err.code === 409;
    isNamespaceTerminating = (err) => err instanceof ApiException && err.code === 403 && /because it is being terminated/.test(String(err.body));
    Kube = class _Kube {
      constructor(config) {
        this.config = config;
        this.objects = KubernetesObjectApi.makeApiClient(config);
        this.core = config.makeApiClient(CoreV1Api);
        this.custom = config.makeApiClient(CustomObjectsApi);
        this.discovery = config.makeApiClient(DiscoveryV1Api);
      }
      config;
      objects;
      core;
      custom;
      discovery;
      static fromDefault() {
        const kc = new KubeConfig();
        kc.loadFromDefault();
        if (kc.getCurrentCluster()?.server === "http://localhost:8080") {
          throw new Error('no Kubernetes configuration found: set KUBECONFIG (for the local stack: eval "$(npm run -s stack:env)")');
        }
        return new _Kube(kc);
      }
      /** Server-side apply: absolute desired state, idempotent by construction. */
      async apply(obj) {
        return this.objects.patch(obj, void 0, void 0, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
      }
      /** Deletes; true if it was there. */
      async delete(obj, propagationPolicy = "Background") {
        try {
          await this.objects.delete(obj, void 0, void 0, void 0, void 0, propagationPolicy);
          return true;
        } catch (err) {
          if (isNotFound(err)) return false;
          throw err;
        }
      }
      async read(obj) {
        try {
          return await this.objects.read(obj);
        } catch (err) {
          if (isNotFound(err)) return void 0;
          throw err;
        }
      }
      async mergePatch(obj, patch) {
        await this.objects.patch({ ...obj, ...patch }, void 0, void 0, FIELD_MANAGER, void 0, PatchStrategy.MergePatch);
      }
      async getCluster(namespace, name) {
        try {
          return await this.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: ETCD_CLUSTER.plural, name });
        } catch (err) {
          if (isNotFound(err)) return void 0;
          throw err;
        }
      }
      /**
       * Read-modify-write of the status with the read's resourceVersion as a precondition: a concurrent
       * writer makes the patch fail with 409 and it is computed again from the newer object, so no
       * writer overwrites another's fields. Skips a cluster that is gone or replaced by a namesake.
       */
      async updateClusterStatus(namespace, name, uid, build) {
        for (let attempt = 1; ; attempt++) {
          const obj = await this.getCluster(namespace, name);
          if (!obj || obj.metadata.uid !== uid) return;
          const status = build(obj);
          if (!status) return;
          try {
            await this.custom.patchNamespacedCustomObjectStatus(
              { group: GROUP, version: VERSION, namespace, plural: ETCD_CLUSTER.plural, name, body: { metadata: { resourceVersion: obj.metadata.resourceVersion }, status } },
              setHeaderOptions("Content-Type", PatchStrategy.MergePatch)
            );
            return;
          } catch (err) {
            if (!isConflict(err) || attempt >= 10) throw err;
          }
        }
      }
      async patchCluster(namespace, name, patch) {
        await this.custom.patchNamespacedCustomObject(
          { group: GROUP, version: VERSION, namespace, plural: ETCD_CLUSTER.plural, name, body: patch },
          setHeaderOptions("Content-Type", PatchStrategy.MergePatch)
        );
      }
      async listPods(namespace, labelSelector) {
        return (await this.core.listNamespacedPod({ namespace, labelSelector })).items;
      }
      async listEndpointSlices(namespace, serviceName) {
        return (await this.discovery.listNamespacedEndpointSlice({ namespace, labelSelector: `kubernetes.io/service-name=${serviceName}` })).items;
      }
      /** Creates an Event; already there (a retry), or a namespace gone or terminating, is success: no one can read it. */
      async createEvent(event) {
        try {
          await this.core.createNamespacedEvent({ namespace: event.metadata.namespace, body: event });
        } catch (err) {
          if (isConflict(err) || isNotFound(err) || isNamespaceTerminating(err)) return;
          throw err;
        }
      }
    };
  }
});

// k8s/backup-spec.ts
import { z } from "zod";
var STRING, BOOL, OBJECT_NAME, NAME_MSG, objectName, BUCKET, BUCKET_MSG, URL_MSG, SHA256, REL_PATH, PATH_MSG, S3Access, S3DestinationSchema, PvcDestinationSchema, ONE_DESTINATION, DestinationSchema, EtcdBackupSpecSchema, BACKUP_PHASES, BackupConditionSchema, EtcdBackupStatusSchema, CRON, ScheduledBackupSchema, BootstrapS3Schema, ONE_SOURCE, BootstrapSchema, RECOVERY_POLICIES, RecoverySchema;
var init_backup_spec = __esm({
  "k8s/backup-spec.ts"() {
    "use strict";
    STRING = { error: (iss) => iss.code === "invalid_type" ? "must be a string" : void 0 };
    BOOL = { error: (iss) => iss.code === "invalid_type" ? "must be true or false" : void 0 };
    OBJECT_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
    NAME_MSG = 'must be a Kubernetes object name (lowercase letters, digits, "-" and ".")';
    objectName = () => z.string(STRING).min(1, { error: NAME_MSG }).max(253, { error: NAME_MSG }).regex(OBJECT_NAME, { error: NAME_MSG });
    BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
    BUCKET_MSG = 'must be an S3 bucket name (3-63 lowercase letters, digits, "." and "-")';
    URL_MSG = "must be an http(s) URL such as https://s3.eu-west-1.amazonaws.com";
    SHA256 = /^[0-9a-f]{64}$/;
    REL_PATH = /^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/;
    PATH_MSG = 'must be a relative path of letters, digits, ".", "_", "-" and "/" whose parts do not start with "."';
    S3Access = {
      bucket: z.string(STRING).regex(BUCKET, { error: BUCKET_MSG }).describe("Bucket name."),
      endpoint: z.string(STRING).max(512).regex(/^https?:\/\/[^\s/]+(\/.*)?$/, { error: URL_MSG }).optional().describe("S3 endpoint URL; defaults to the operator's AWS_ENDPOINT_URL_S3, else AWS."),
      region: z.string(STRING).min(1).max(64).optional().describe("Region; defaults to the operator's AWS_REGION, else us-east-1."),
      forcePathStyle: z.boolean(BOOL).optional().describe("Path-style addressing (https://endpoint/bucket/key), needed by most S3-compatible servers."),
      credentialsSecret: objectName().describe("Secret in the same namespace with keys accessKeyId and secretAccessKey.")
    };
    S3DestinationSchema = z.object({
      ...S3Access,
      prefix: z.string(STRING).max(512).regex(/^[A-Za-z0-9!_.*'()/-]*$/, { error: "must be an S3 key prefix of safe characters" }).optional().describe('Key prefix, e.g. "prod/"; snapshots are stored under <prefix><namespace>/<cluster>/.')
    });
    PvcDestinationSchema = z.object({
      claimName: objectName().describe("PersistentVolumeClaim in the cluster's namespace that holds the snapshots."),
      path: z.string(STRING).max(512).regex(REL_PATH, { error: PATH_MSG }).optional().describe("Directory inside the volume; snapshots are stored under <path>/<namespace>/<cluster>/.")
    });
    ONE_DESTINATION = "set exactly one of s3 or pvc";
    DestinationSchema = z.object({
      s3: S3DestinationSchema.optional().describe("An S3-compatible bucket."),
      pvc: PvcDestinationSchema.optional().describe("A PersistentVolumeClaim.")
    }).refine((d) => Boolean(d.s3) !== Boolean(d.pvc), { error: ONE_DESTINATION }).describe("Where snapshots are stored: exactly one of s3 or pvc.");
    EtcdBackupSpecSchema = z.object({
      clusterName: objectName().describe("The EtcdCluster (same namespace) to back up."),
      destination: DestinationSchema.optional().describe("Where to store the snapshot; defaults to the cluster's spec.backup.destination."),
      retainOnDelete: z.boolean(BOOL).default(false).describe("Keep the stored snapshot when this EtcdBackup is deleted.")
    }).describe("A one-off snapshot of an etcd cluster.");
    BACKUP_PHASES = ["Pending", "Running", "Succeeded", "Failed"];
    BackupConditionSchema = z.object({
      type: z.enum(["Succeeded"]).describe("Succeeded: True when stored and verified, False on failure, Unknown while running."),
      status: z.enum(["True", "False", "Unknown"]),
      reason: z.string().min(1).max(1024).regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/),
      message: z.string().max(32768).optional(),
      lastTransitionTime: z.iso.datetime()
    });
    EtcdBackupStatusSchema = z.object({
      phase: z.enum(BACKUP_PHASES).optional().describe("Pending, Running, Succeeded or Failed."),
      location: z.string().max(2048).optional().describe("s3://bucket/key or pvc://claim/path of the stored snapshot."),
      sizeBytes: z.int().min(0).optional().describe("Snapshot size in bytes."),
      sha256: z.string().regex(SHA256).optional().describe("SHA-256 of the stored snapshot, hex."),
      revision: z.int().min(0).optional().describe("etcd revision the snapshot holds."),
      etcdVersion: z.string().max(32).optional().describe("etcd server version of the member snapshotted."),
      member: z.string().max(63).optional().describe("Member the snapshot was streamed from (the highest revision)."),
      destination: DestinationSchema.optional().describe("The destination used (spec.destination or the cluster's default), kept so the snapshot can be deleted later."),
      workflowId: z.string().max(1024).optional().describe("Temporal workflow that took it."),
      startedAt: z.iso.datetime().optional(),
      completedAt: z.iso.datetime().optional(),
      conditions: z.array(BackupConditionSchema).max(4).meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"] }).optional()
    }).describe("Observed state of the backup.");
    CRON = /^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|@every [0-9]+[smhd]|(\S+\s+){4}\S+)$/;
    ScheduledBackupSchema = z.object({
      schedule: z.string(STRING).max(128).regex(CRON, { error: 'must be a cron expression such as "0 */6 * * *" or @hourly / @every 30m' }).describe("When to back up: a cron expression (UTC) or @hourly/@daily/@every <duration>."),
      retention: z.int({ error: "must be an integer of at least 1" }).min(1, { error: "must be an integer of at least 1" }).max(1e3).default(7).describe("How many scheduled backups to keep (objects and stored snapshots); older ones are deleted."),
      destination: DestinationSchema.describe("Where scheduled (and, by default, on-demand) backups are stored.")
    }).describe("Scheduled backups, run by a durable Temporal Schedule.");
    BootstrapS3Schema = z.object({
      ...S3Access,
      key: z.string(STRING).min(1).max(1024).describe("Object key of the snapshot."),
      sha256: z.string(STRING).regex(SHA256, { error: "must be 64 lowercase hex digits" }).optional().describe("Expected SHA-256 of the snapshot; when unset, the one recorded by the EtcdBackup that stored it.")
    });
    ONE_SOURCE = "set exactly one of name or s3";
    BootstrapSchema = z.object({
      backup: z.object({
        name: objectName().optional().describe("A Succeeded EtcdBackup in the same namespace."),
        s3: BootstrapS3Schema.optional().describe("A snapshot object in an S3-compatible bucket.")
      }).refine((b) => Boolean(b.name) !== Boolean(b.s3), { error: ONE_SOURCE }).describe("The snapshot every member starts from.")
    }).describe("Start a new cluster from a backup instead of empty. Immutable.");
    RECOVERY_POLICIES = ["Manual", "RestoreLatestBackup"];
    RecoverySchema = z.object({
      policy: z.enum(RECOVERY_POLICIES, { error: "must be Manual or RestoreLatestBackup" }).default("Manual").describe("When a majority of members lost their data: Manual waits for `etcdop approve`; RestoreLatestBackup restores at once.")
    }).describe("What to do when the cluster lost quorum for good.");
  }
});

// k8s/versions.ts
function compareVersions(a, b) {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}
var minorOf, lowestVersion;
var init_versions = __esm({
  "k8s/versions.ts"() {
    "use strict";
    minorOf = (version) => version.split(".").slice(0, 2).join(".");
    lowestVersion = (versions) => [...versions].sort(compareVersions)[0];
  }
});

// k8s/security-spec.ts
import { z as z2 } from "zod";
var SECRET_NAME, SECRET_MSG, secretName, DURATION, DURATION_MSG, unitMs, durationMs, TLS_SECRET_FIELDS, TlsSchema, AuthSchema;
var init_security_spec = __esm({
  "k8s/security-spec.ts"() {
    "use strict";
    SECRET_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
    SECRET_MSG = `must be the name of a Secret in the cluster's namespace (lowercase letters, digits, "-" and ".")`;
    secretName = () => z2.string({ error: SECRET_MSG }).min(1, { error: SECRET_MSG }).max(253, { error: SECRET_MSG }).regex(SECRET_NAME, { error: SECRET_MSG });
    DURATION = /^([0-9]+(h|m|s))+$/;
    DURATION_MSG = "must be a duration like 2160h, 90m or 1h30m (at least 1m)";
    unitMs = { h: 36e5, m: 6e4, s: 1e3 };
    durationMs = (d) => [...d.matchAll(/([0-9]+)(h|m|s)/g)].reduce((ms, [, n, u]) => ms + Number(n) * unitMs[u], 0);
    TLS_SECRET_FIELDS = ["peerSecret", "serverSecret", "operatorClientSecret"];
    TlsSchema = z2.object({
      mode: z2.enum(["auto", "secrets"], { error: "must be auto (the operator issues its own CA and certificates) or secrets (your kubernetes.io/tls Secrets)" }).describe("auto: the operator issues a CA and every certificate into Secrets it owns, and renews them; secrets: peerSecret, serverSecret and operatorClientSecret name your own Secrets."),
      peerSecret: secretName().optional().describe("mode secrets: kubernetes.io/tls Secret (tls.crt, tls.key, ca.crt) for member-to-member traffic; its certificate needs the server and client usages and the SAN *.<cluster>.<namespace>.svc."),
      serverSecret: secretName().optional().describe("mode secrets: kubernetes.io/tls Secret (tls.crt, tls.key, ca.crt) the members serve clients with; its SANs must include <cluster>-client.<namespace>.svc (the name the operator verifies)."),
      operatorClientSecret: secretName().optional().describe("mode secrets: kubernetes.io/tls Secret (tls.crt, tls.key, ca.crt) with the client certificate the operator presents; ca.crt verifies the members' server certificate."),
      clientCertAuth: z2.boolean({ error: "must be true or false" }).default(false).describe("Clients must present a certificate signed by the server Secret's CA (etcd --client-cert-auth)."),
      autoCertificateValidity: z2.string({ error: DURATION_MSG }).max(32).regex(DURATION, { error: DURATION_MSG }).refine((d) => durationMs(d) >= 6e4, { error: DURATION_MSG }).default("2160h").describe("mode auto: lifetime of the issued peer, server and client certificates; each is renewed (and the members restarted one at a time) when a third of it is left.")
    }).superRefine((t, ctx) => {
      for (const f of TLS_SECRET_FIELDS) {
        if (t.mode === "secrets" && !t[f]) ctx.addIssue({ code: "custom", path: [f], message: `spec.tls.${f} is required when spec.tls.mode is secrets` });
        if (t.mode === "auto" && t[f]) ctx.addIssue({ code: "custom", path: [f], message: `spec.tls.${f} must not be set when spec.tls.mode is auto (the operator issues that certificate)` });
      }
    });
    AuthSchema = z2.object({
      enabled: z2.boolean({ error: "must be true or false" }).default(false).describe("Turn etcd authentication on: clients log in as an EtcdUser (or root)."),
      rootSecret: secretName().optional().describe(`Secret whose key "password" is the root user's password; default <cluster>-root, created with a random password if absent.`)
    });
  }
});

// k8s/cluster-spec.ts
import { z as z3 } from "zod";
function fieldPath(path) {
  return path.reduce((acc, seg) => {
    if (typeof seg === "number") return `${acc}[${seg}]`;
    const key = String(seg);
    return IDENT.test(key) ? `${acc}.${key}` : `${acc}[${key}]`;
  }, "spec");
}
function validateClusterSpec(raw) {
  const result = EtcdClusterSpecSchema.safeParse(raw ?? {});
  if (result.success) return { ok: true, spec: result.data };
  return { ok: false, errors: result.error.issues.map((i) => ({ field: fieldPath(i.path), message: i.message })) };
}
var SUPPORTED_MINORS, DEFAULT_VERSION, PRESERVE_UNKNOWN, INT_OR_STRING, QUANTITY, VERSION2, REPOSITORY, RETENTION, GiB, typeError, BOOL2, STRING2, stringMap, passThrough, QUANTITY_MSG, quantityMap, intIn, SIZE_MSG, VERSION_MSG, Version, Storage, Toleration, Pod, Options, EtcdClusterSpecSchema, IDENT, formatSpecErrors, imageFor;
var init_cluster_spec = __esm({
  "k8s/cluster-spec.ts"() {
    "use strict";
    init_backup_spec();
    init_versions();
    init_security_spec();
    init_versions();
    SUPPORTED_MINORS = ["3.5", "3.6"];
    DEFAULT_VERSION = "3.6.16";
    PRESERVE_UNKNOWN = { "x-kubernetes-preserve-unknown-fields": true };
    INT_OR_STRING = { "x-kubernetes-int-or-string": true };
    QUANTITY = /^(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;
    VERSION2 = /^[0-9]+\.[0-9]+\.[0-9]+$/;
    REPOSITORY = /^[A-Za-z0-9][A-Za-z0-9._/:-]*$/;
    RETENTION = /^([0-9]+|([0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h))+)$/;
    GiB = 1024 ** 3;
    typeError = (message) => ({ error: (iss) => iss.code === "invalid_type" ? message : void 0 });
    BOOL2 = typeError("must be true or false");
    STRING2 = typeError("must be a string");
    stringMap = (what) => z3.record(z3.string(), z3.string({ error: `${what} values must be strings` }));
    passThrough = () => z3.record(z3.string(), z3.unknown(), { error: "must be an object" }).meta(PRESERVE_UNKNOWN);
    QUANTITY_MSG = "must be a Kubernetes quantity such as 500m, 2 or 1Gi";
    quantityMap = () => z3.record(z3.string(), z3.union([z3.int().min(0), z3.string().regex(QUANTITY, { error: QUANTITY_MSG })], { error: QUANTITY_MSG }).meta(INT_OR_STRING));
    intIn = (min, max, msg) => z3.int({ error: msg }).min(min, { error: msg }).max(max, { error: msg });
    SIZE_MSG = "must be an integer from 1 to 9 (the number of etcd members; odd sizes tolerate the most failures)";
    VERSION_MSG = `must be an etcd version like ${DEFAULT_VERSION} (X.Y.Z, without a leading "v")`;
    Version = z3.string({ error: VERSION_MSG }).max(32, { error: VERSION_MSG }).regex(VERSION2, { error: VERSION_MSG, abort: true }).refine((v) => SUPPORTED_MINORS.includes(minorOf(v)), {
      error: (iss) => `etcd ${minorOf(String(iss.input))} is not supported; supported minor versions: ${SUPPORTED_MINORS.join(", ")}`
    });
    Storage = z3.object({
      size: z3.string(typeError(QUANTITY_MSG)).max(64).regex(QUANTITY, { error: "must be a Kubernetes quantity such as 1Gi or 500Mi" }).default("1Gi").describe("Size of each member's PersistentVolumeClaim, a Kubernetes quantity like 1Gi."),
      storageClassName: z3.string(STRING2).min(1).max(253).optional().describe("StorageClass of the member PVCs; the cluster default when unset. Cannot change once set."),
      emptyDir: z3.boolean(BOOL2).default(false).describe("Keep member data in an emptyDir instead of a PVC: data is lost when a pod is deleted. Immutable."),
      retainOnDelete: z3.boolean(BOOL2).default(false).describe("Keep the member PVCs when the EtcdCluster is deleted.")
    });
    Toleration = z3.object({
      key: z3.string(STRING2).max(317).optional().describe("Taint key the toleration applies to; empty matches all keys."),
      operator: z3.enum(["Exists", "Equal"], { error: "must be Exists or Equal" }).optional().describe("Exists or Equal (default Equal)."),
      value: z3.string(STRING2).max(63).optional().describe("Taint value to match when operator is Equal."),
      effect: z3.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"], { error: "must be NoSchedule, PreferNoSchedule or NoExecute" }).optional().describe("Taint effect to match; empty matches all effects."),
      tolerationSeconds: z3.int(typeError("must be an integer number of seconds")).optional().describe("How long a NoExecute taint is tolerated before eviction.")
    });
    Pod = z3.object({
      resources: z3.object({
        requests: quantityMap().optional().describe("Minimum compute resources, e.g. {cpu: 500m, memory: 1Gi}."),
        limits: quantityMap().optional().describe("Maximum compute resources.")
      }).optional().describe("Compute resources of the etcd container."),
      nodeSelector: stringMap("nodeSelector").optional().describe("Node labels a member pod must match."),
      affinity: passThrough().optional().describe("Pod affinity rules (core/v1 Affinity), passed through unchanged."),
      tolerations: z3.array(Toleration, typeError("must be a list of tolerations")).max(32).optional().describe("Tolerations of the member pods (core/v1 Toleration)."),
      topologySpreadConstraints: z3.array(passThrough(), typeError("must be a list of objects")).max(16).optional().describe("Topology spread constraints (core/v1 TopologySpreadConstraint), passed through unchanged."),
      labels: stringMap("labels").optional().describe("Extra labels on member pods; the operator's own labels win."),
      annotations: stringMap("annotations").optional().describe("Extra annotations on member pods."),
      priorityClassName: z3.string(STRING2).max(253).optional().describe("PriorityClass of the member pods.")
    });
    Options = z3.object({
      quotaBackendBytes: intIn(0, 100 * GiB, "must be an integer number of bytes from 0 to 107374182400 (100 GiB)").optional().describe("etcd --quota-backend-bytes: backend size before the NOSPACE alarm; 0 means etcd's default."),
      autoCompactionMode: z3.enum(["periodic", "revision"], { error: "must be periodic or revision" }).optional().describe("etcd --auto-compaction-mode."),
      autoCompactionRetention: z3.string(STRING2).max(32).regex(RETENTION, { error: "must be a duration like 1h or 30m, or a number" }).optional().describe("etcd --auto-compaction-retention: a duration (1h) or a number (hours for periodic, revisions for revision)."),
      snapshotCount: z3.int({ error: "must be an integer of at least 1" }).min(1, { error: "must be an integer of at least 1" }).optional().describe("etcd --snapshot-count: committed transactions between snapshots."),
      heartbeatIntervalMs: intIn(10, 5e3, "must be an integer number of milliseconds from 10 to 5000").optional().describe("etcd --heartbeat-interval in milliseconds."),
      electionTimeoutMs: intIn(100, 5e4, "must be an integer number of milliseconds from 100 to 50000").optional().describe("etcd --election-timeout in milliseconds; at least 5x heartbeatIntervalMs.")
    }).refine(
      // etcd refuses to start when the election timeout is under 5 heartbeats.
      (o) => o.electionTimeoutMs === void 0 || o.heartbeatIntervalMs === void 0 || o.electionTimeoutMs >= 5 * o.heartbeatIntervalMs,
      { path: ["electionTimeoutMs"], error: "spec.options.electionTimeoutMs must be at least 5 times spec.options.heartbeatIntervalMs" }
    );
    EtcdClusterSpecSchema = z3.object({
      size: intIn(1, 9, SIZE_MSG).default(3).describe("Number of etcd members (1..9)."),
      version: Version.default(DEFAULT_VERSION).describe(`etcd version X.Y.Z (supported minors: ${SUPPORTED_MINORS.join(", ")}). Upgrades go one minor at a time; downgrades are refused.`),
      repository: z3.string(STRING2).max(255).regex(REPOSITORY, { error: "must be an image repository such as gcr.io/etcd-development/etcd" }).refine((r) => !(r.split("/").pop() ?? "").includes(":"), { error: "must not include a tag: the tag comes from spec.version" }).optional().describe("Image repository override, e.g. gcr.io/etcd-development/etcd; the tag is v<version>."),
      storage: Storage.prefault({}).describe("Member data storage."),
      pod: Pod.prefault({}).describe("Scheduling, resources and metadata of the member pods."),
      options: Options.prefault({}).describe("etcd server tuning flags."),
      paused: z3.boolean(BOOL2).default(false).describe("Stop starting new operations; an operation already running finishes."),
      backup: ScheduledBackupSchema.optional().describe("Scheduled backups with retention; also the default destination of on-demand backups."),
      bootstrap: BootstrapSchema.optional().describe("Start the cluster from a backup. Immutable after creation."),
      recovery: RecoverySchema.prefault({}).describe("Recovery from a lost quorum."),
      tls: TlsSchema.optional().describe("TLS for peer and client traffic. Set it when the cluster is created: it cannot be turned on or off, or change mode, later."),
      auth: AuthSchema.prefault({}).describe("etcd authentication (users, roles, root).")
    }).refine((s) => !(s.bootstrap && s.storage.emptyDir), {
      path: ["bootstrap"],
      error: "spec.bootstrap needs PVC storage: a snapshot is restored onto each member's volume (spec.storage.emptyDir must be false)"
    }).describe("Desired state of the etcd cluster.");
    IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
    formatSpecErrors = (errors) => errors.map((e) => e.message.startsWith(e.field) ? e.message : `${e.field}: ${e.message}`).join("; ");
    imageFor = (spec, defaultRepository) => `${spec.repository ?? defaultRepository}:v${spec.version}`;
  }
});

// activities/kube-backups.ts
import { ApplicationFailure } from "@temporalio/activity";
import { PatchStrategy as PatchStrategy2, setHeaderOptions as setHeaderOptions2 } from "@kubernetes/client-node";
async function getBackup(kube, key) {
  try {
    const obj = await kube.custom.getNamespacedCustomObject({ ...api(key.namespace), name: key.name });
    return key.uid && obj.metadata.uid !== key.uid ? void 0 : obj;
  } catch (err) {
    if (isNotFound(err)) return void 0;
    throw err;
  }
}
async function listBackups(kube, namespace, labelSelector) {
  const list = await kube.custom.listNamespacedCustomObject({ ...api(namespace), ...labelSelector && { labelSelector } });
  return list.items;
}
async function patchBackup(kube, key, body, status = false) {
  const args = { ...api(key.namespace), name: key.name, body };
  const opts = setHeaderOptions2("Content-Type", PatchStrategy2.MergePatch);
  if (status) await kube.custom.patchNamespacedCustomObjectStatus(args, opts);
  else await kube.custom.patchNamespacedCustomObject(args, opts);
}
async function resolveBackup(kube, key) {
  const obj = await getBackup(kube, key);
  if (!obj) return void 0;
  const parsed = EtcdBackupSpecSchema.safeParse(obj.spec ?? {});
  if (!parsed.success) throw ApplicationFailure.nonRetryable(`invalid EtcdBackup spec: ${parsed.error.issues.map((i) => `spec.${i.path.join(".")}: ${i.message}`).join("; ")}`, "InvalidSpec");
  const spec = parsed.data;
  let destination = spec.destination ?? obj.status?.destination;
  if (!destination) {
    const cluster = await kube.getCluster(key.namespace, spec.clusterName);
    const v = cluster && validateClusterSpec(cluster.spec);
    destination = v && v.ok ? v.spec.backup?.destination : void 0;
  }
  if (!destination && !obj.metadata.deletionTimestamp) {
    throw ApplicationFailure.nonRetryable(`EtcdBackup ${key.namespace}/${key.name} has no spec.destination and EtcdCluster ${spec.clusterName} has no spec.backup.destination`, "NoDestination");
  }
  return {
    clusterName: spec.clusterName,
    destination: destination ?? {},
    retainOnDelete: spec.retainOnDelete,
    deleting: Boolean(obj.metadata.deletionTimestamp),
    labels: obj.metadata.labels ?? {},
    status: obj.status ?? {}
  };
}
var BACKUP_LABELS, api, backupRef, backupOfCluster;
var init_kube_backups = __esm({
  "activities/kube-backups.ts"() {
    "use strict";
    init_api();
    init_backup_spec();
    init_cluster_spec();
    init_kube_client();
    BACKUP_LABELS = {
      cluster: `${GROUP}/cluster`,
      clusterUid: LABELS.clusterUid,
      /** Set on backups a Schedule made: retention counts (and deletes) only these. */
      scheduled: `${GROUP}/scheduled`,
      /** Set on the backup an upgrade takes first: the version it upgraded to. */
      upgradeTo: `${GROUP}/upgrade-to`
    };
    api = (namespace) => ({ group: GROUP, version: VERSION, namespace, plural: ETCD_BACKUP.plural });
    backupRef = (key) => ({ apiVersion: API_VERSION, kind: ETCD_BACKUP.kind, name: key.name, uid: key.uid });
    backupOfCluster = (b, cluster) => b.metadata.labels?.[BACKUP_LABELS.clusterUid] === cluster.uid;
  }
});

// k8s/conditions.ts
function setCondition(conditions, next, now) {
  const list = conditions ?? [];
  const prev = list.find((c) => c.type === next.type);
  const updated = {
    type: next.type,
    status: next.status,
    reason: next.reason,
    ...next.message !== void 0 && { message: next.message },
    lastTransitionTime: prev && prev.status === next.status ? prev.lastTransitionTime : rfc3339(now),
    ...next.observedGeneration !== void 0 && { observedGeneration: next.observedGeneration }
  };
  return prev ? list.map((c) => c === prev ? updated : c) : [...list, updated];
}
var REASONS, rfc3339, getCondition;
var init_conditions = __esm({
  "k8s/conditions.ts"() {
    "use strict";
    REASONS = {
      Available: {
        QuorumHealthy: "QuorumHealthy",
        // a majority of voters is healthy: the cluster serves writes
        QuorumLost: "QuorumLost",
        Bootstrapping: "Bootstrapping"
        // the first members are not up yet
      },
      Progressing: {
        OperationRunning: "OperationRunning",
        Idle: "Idle",
        // spec and cluster agree
        Paused: "Paused"
        // spec.paused: no new operation starts
      },
      Degraded: {
        AllMembersHealthy: "AllMembersHealthy",
        MembersUnhealthy: "MembersUnhealthy",
        OperationFailed: "OperationFailed",
        QuorumLost: "QuorumLost",
        // a majority of voters is down: nothing destructive happens, see the message
        MemberRepair: "MemberRepair",
        // a member is down or lost its data and is being (or waits to be) repaired
        NoSpace: "NoSpace",
        // etcd raised NOSPACE (backend at its quota): writes are refused until compaction + defrag + disarm
        TLSSecretInvalid: "TLSSecretInvalid"
        // a certificate Secret is missing or unusable: nothing starts until it is fixed
      },
      SpecValid: {
        Valid: "Valid",
        InvalidSpec: "InvalidSpec"
      }
    };
    rfc3339 = (d) => d.toISOString().replace(/\.\d{3}Z$/, "Z");
    getCondition = (conditions, type) => conditions?.find((c) => c.type === type);
  }
});

// k8s/planner.ts
function plan(obj) {
  const generation = obj.metadata.generation ?? 0;
  if (obj.metadata.deletionTimestamp) {
    return obj.metadata.finalizers?.includes(FINALIZER) ? { kind: "delete" } : { kind: "none", why: "deleting, not ours to clean up" };
  }
  const v = validateClusterSpec(obj.spec);
  if (!v.ok) {
    const message = formatSpecErrors(v.errors);
    const cond = getCondition(obj.status?.conditions, "SpecValid");
    const alreadyReported = cond?.status === "False" && cond.message === message && cond.observedGeneration === generation;
    return { kind: "invalid", generation, message, alreadyReported };
  }
  if (obj.status?.observedGeneration === generation && getCondition(obj.status?.conditions, "SpecValid")?.status === "True") {
    return { kind: "none", why: "generation already observed" };
  }
  return { kind: "converge", generation };
}
var init_planner = __esm({
  "k8s/planner.ts"() {
    "use strict";
    init_api();
    init_cluster_spec();
    init_conditions();
  }
});

// workflows/search-attributes.ts
import { defineSearchAttributeKey, SearchAttributeType, TypedSearchAttributes } from "@temporalio/common";
function clusterSearchAttributes(key, operation) {
  return new TypedSearchAttributes([
    { key: EtcdClusterNamespace, value: key.namespace },
    { key: EtcdClusterName, value: key.name },
    { key: EtcdOperation, value: operation }
  ]);
}
var EtcdClusterNamespace, EtcdClusterName, EtcdOperation;
var init_search_attributes = __esm({
  "workflows/search-attributes.ts"() {
    "use strict";
    EtcdClusterNamespace = defineSearchAttributeKey("EtcdClusterNamespace", SearchAttributeType.KEYWORD);
    EtcdClusterName = defineSearchAttributeKey("EtcdClusterName", SearchAttributeType.KEYWORD);
    EtcdOperation = defineSearchAttributeKey("EtcdOperation", SearchAttributeType.KEYWORD);
  }
});

// client/dispatcher.ts
import { WorkflowNotFoundError } from "@temporalio/client";
import { WorkflowIdConflictPolicy } from "@temporalio/common";
var Dispatcher;
var init_dispatcher = __esm({
  "client/dispatcher.ts"() {
    "use strict";
    init_api();
    init_conditions();
    init_planner();
    init_ids();
    init_messages();
    init_search_attributes();
    Dispatcher = class {
      constructor(client, kube, taskQueue, log) {
        this.client = client;
        this.kube = kube;
        this.taskQueue = taskQueue;
        this.log = log;
      }
      client;
      kube;
      taskQueue;
      log;
      /** uid -> last generation signalled, to keep our own status writes from re-signalling. */
      signalled = /* @__PURE__ */ new Map();
      async handle(obj) {
        const { name, namespace, uid } = obj.metadata;
        if (!name || !namespace || !uid) return;
        const key = { name, namespace, uid };
        const p = plan(obj);
        switch (p.kind) {
          case "none":
            return;
          case "invalid":
            if (!p.alreadyReported) await this.reportInvalid(key, p.generation, p.message);
            return;
          case "delete":
            if (this.signalled.get(uid) === "delete") return;
            await this.signalWithStart(key, deleteRequestedSignal, []);
            this.signalled.set(uid, "delete");
            return;
          case "converge": {
            if (this.signalled.get(uid) === p.generation) return;
            await this.markSpecValid(obj, key, p.generation);
            await this.signalWithStart(key, specChangedSignal, [{ generation: p.generation }]);
            this.signalled.set(uid, p.generation);
          }
        }
      }
      forget(uid) {
        this.signalled.delete(uid);
      }
      /** pod uid -> last readiness seen, so only readiness flips and deletions reach the workflow. */
      podReady = /* @__PURE__ */ new Map();
      /** A member pod changed: its cluster's workflow refreshes the members' status. */
      async podChanged(pod, deleted = false) {
        const owner = pod.metadata?.ownerReferences?.find((o) => o.kind === ETCD_CLUSTER.kind && o.apiVersion === API_VERSION);
        const podUid = pod.metadata?.uid;
        if (!owner || !podUid) return;
        const ready = !deleted && Boolean(pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
        if (!deleted && this.podReady.get(podUid) === ready) return;
        try {
          await this.client.workflow.getHandle(clusterWorkflowId({ uid: owner.uid })).signal(membersChangedSignal);
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        }
        if (deleted) this.podReady.delete(podUid);
        else this.podReady.set(podUid, ready);
      }
      async signalWithStart(key, signal, args) {
        await this.client.workflow.signalWithStart("etcdClusterWorkflow", {
          workflowId: clusterWorkflowId(key),
          taskQueue: this.taskQueue,
          args: [{ key }],
          signal: signal.name,
          signalArgs: args,
          workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
          typedSearchAttributes: clusterSearchAttributes(key, "Cluster")
        });
        this.log.info({ cluster: `${key.namespace}/${key.name}`, signal: signal.name }, "signalled cluster workflow");
      }
      async markSpecValid(obj, key, generation) {
        const cond = obj.status?.conditions?.find((c) => c.type === "SpecValid");
        if (cond?.status === "True" && cond.observedGeneration === generation) return;
        await this.kube.updateClusterStatus(key.namespace, key.name, key.uid, (fresh) => ({
          conditions: setCondition(fresh.status?.conditions, { type: "SpecValid", status: "True", reason: REASONS.SpecValid.Valid, observedGeneration: generation }, /* @__PURE__ */ new Date())
        }));
      }
      async reportInvalid(key, generation, message) {
        this.log.warn({ cluster: `${key.namespace}/${key.name}`, generation, message }, "invalid spec: no operation started");
        await this.kube.updateClusterStatus(key.namespace, key.name, key.uid, (fresh) => ({
          conditions: setCondition(fresh.status?.conditions, { type: "SpecValid", status: "False", reason: REASONS.SpecValid.InvalidSpec, message, observedGeneration: generation }, /* @__PURE__ */ new Date())
        }));
        const t = (/* @__PURE__ */ new Date()).toISOString();
        await this.kube.createEvent({
          metadata: { name: `${key.name}.invalid-spec-${generation}`, namespace: key.namespace },
          involvedObject: { apiVersion: API_VERSION, kind: ETCD_CLUSTER.kind, name: key.name, namespace: key.namespace, uid: key.uid },
          type: "Warning",
          reason: "InvalidSpec",
          message,
          source: { component: "etcd-operator" },
          firstTimestamp: t,
          lastTimestamp: t,
          count: 1
        });
      }
    };
  }
});

// client/informer-restart.ts
function restartOnError(informer, what, log, stopped) {
  let backoffMs = 1e3;
  informer.on("connect", () => {
    backoffMs = 1e3;
  });
  informer.on("error", (err) => {
    if (stopped()) return;
    log.warn({ what, err: String(err), retryInMs: backoffMs }, "watch failed; restarting");
    setTimeout(() => {
      if (!stopped()) informer.start().catch((e) => log.warn({ what, err: String(e) }, "informer restart failed"));
    }, backoffMs);
    backoffMs = Math.min(backoffMs * 2, 3e4);
  });
}
var init_informer_restart = __esm({
  "client/informer-restart.ts"() {
    "use strict";
  }
});

// client/watcher.ts
import { makeInformer } from "@kubernetes/client-node";
var ClusterWatcher;
var init_watcher = __esm({
  "client/watcher.ts"() {
    "use strict";
    init_api();
    init_informer_restart();
    ClusterWatcher = class {
      /** resyncMs: every object is planned again this often, so a dispatch that failed (Temporal down) is retried. */
      constructor(kube, dispatcher, log, namespace, resyncMs = 3e4) {
        this.kube = kube;
        this.dispatcher = dispatcher;
        this.log = log;
        this.namespace = namespace;
        this.resyncMs = resyncMs;
      }
      kube;
      dispatcher;
      log;
      namespace;
      resyncMs;
      informer;
      podInformer;
      stopped = false;
      resyncTimer;
      async start() {
        const path = this.namespace ? `/apis/${GROUP}/${VERSION}/namespaces/${this.namespace}/${ETCD_CLUSTER.plural}` : `/apis/${GROUP}/${VERSION}/${ETCD_CLUSTER.plural}`;
        const list = () => this.namespace ? this.kube.custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: this.namespace, plural: ETCD_CLUSTER.plural }) : this.kube.custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: ETCD_CLUSTER.plural });
        const informer = makeInformer(this.kube.config, path, list);
        const onObject = (obj) => {
          void this.dispatch(obj);
        };
        informer.on("add", onObject);
        informer.on("update", onObject);
        informer.on("delete", (obj) => {
          if (obj.metadata?.uid) this.dispatcher.forget(obj.metadata.uid);
        });
        restartOnError(informer, "etcdclusters", this.log, () => this.stopped);
        this.informer = informer;
        await informer.start();
        await this.watchPods();
        this.scheduleResync();
        this.log.info({ namespace: this.namespace ?? "(all)" }, "watching EtcdClusters");
      }
      /** Level-triggered resync: the informer's cache planned again (and member pods re-signalled) on a timer. */
      scheduleResync() {
        this.resyncTimer = setTimeout(() => {
          if (this.stopped) return;
          for (const obj of this.informer?.list() ?? []) void this.dispatch(obj);
          for (const pod of this.podInformer?.list() ?? []) this.dispatcher.podChanged(pod).catch((err) => this.log.warn({ err: String(err) }, "pod resync failed"));
          this.scheduleResync();
        }, this.resyncMs);
        this.resyncTimer.unref();
      }
      /** Member pods (for status now, failover later): readiness flips and deletions. */
      async watchPods() {
        const selector = `${LABELS.managedBy}=${MANAGED_BY}`;
        const path = this.namespace ? `/api/v1/namespaces/${this.namespace}/pods` : "/api/v1/pods";
        const list = () => this.namespace ? this.kube.core.listNamespacedPod({ namespace: this.namespace, labelSelector: selector }) : this.kube.core.listPodForAllNamespaces({ labelSelector: selector });
        const informer = makeInformer(this.kube.config, path, list, selector);
        const safe = (p) => {
          p.catch((err) => this.log.warn({ err: String(err) }, "pod dispatch failed"));
        };
        informer.on("add", (pod) => safe(this.dispatcher.podChanged(pod)));
        informer.on("update", (pod) => safe(this.dispatcher.podChanged(pod)));
        informer.on("delete", (pod) => safe(this.dispatcher.podChanged(pod, true)));
        restartOnError(informer, "pods", this.log, () => this.stopped);
        this.podInformer = informer;
        await informer.start();
      }
      async dispatch(obj) {
        try {
          await this.dispatcher.handle(obj);
        } catch (err) {
          this.log.error({ cluster: `${obj.metadata.namespace}/${obj.metadata.name}`, err: String(err) }, "dispatch failed");
        }
      }
      async stop() {
        this.stopped = true;
        clearTimeout(this.resyncTimer);
        await this.informer?.stop();
        await this.podInformer?.stop();
      }
    };
  }
});

// client/backup-watcher.ts
import { WorkflowExecutionAlreadyStartedError } from "@temporalio/client";
import { WorkflowIdConflictPolicy as WorkflowIdConflictPolicy2, WorkflowIdReusePolicy } from "@temporalio/common";
import { makeInformer as makeInformer2 } from "@kubernetes/client-node";
function planBackup(obj) {
  if (obj.metadata.deletionTimestamp) return obj.metadata.finalizers?.includes(FINALIZER) ? { kind: "delete" } : { kind: "none" };
  const phase = obj.status?.phase;
  return phase === "Succeeded" || phase === "Failed" ? { kind: "none" } : { kind: "backup" };
}
var BackupWatcher;
var init_backup_watcher = __esm({
  "client/backup-watcher.ts"() {
    "use strict";
    init_api();
    init_ids();
    init_search_attributes();
    init_informer_restart();
    BackupWatcher = class {
      constructor(kube, client, taskQueue, log, namespace, resyncMs = 3e4) {
        this.kube = kube;
        this.client = client;
        this.taskQueue = taskQueue;
        this.log = log;
        this.namespace = namespace;
        this.resyncMs = resyncMs;
      }
      kube;
      client;
      taskQueue;
      log;
      namespace;
      resyncMs;
      informer;
      stopped = false;
      timer;
      /** uid -> what was started, so our own status writes do not start it again. */
      started = /* @__PURE__ */ new Map();
      async start() {
        const path = this.namespace ? `/apis/${GROUP}/${VERSION}/namespaces/${this.namespace}/${ETCD_BACKUP.plural}` : `/apis/${GROUP}/${VERSION}/${ETCD_BACKUP.plural}`;
        const list = () => this.namespace ? this.kube.custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: this.namespace, plural: ETCD_BACKUP.plural }) : this.kube.custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: ETCD_BACKUP.plural });
        const informer = makeInformer2(this.kube.config, path, list);
        const on = (obj) => {
          void this.handle(obj);
        };
        informer.on("add", on);
        informer.on("update", on);
        informer.on("delete", (obj) => {
          if (obj.metadata?.uid) this.started.delete(obj.metadata.uid);
        });
        restartOnError(informer, "etcdbackups", this.log, () => this.stopped);
        this.informer = informer;
        await informer.start();
        this.resync();
      }
      resync() {
        this.timer = setTimeout(() => {
          if (this.stopped) return;
          this.started.clear();
          for (const obj of this.informer?.list() ?? []) void this.handle(obj);
          this.resync();
        }, this.resyncMs);
        this.timer.unref();
      }
      async handle(obj) {
        const { name, namespace, uid } = obj.metadata;
        if (!name || !namespace || !uid) return;
        const plan2 = planBackup(obj);
        if (plan2.kind === "none" || this.started.get(uid) === plan2.kind) return;
        const backup = { namespace, name, uid };
        const clusterName = obj.spec?.clusterName ?? "";
        try {
          await this.client.workflow.start(plan2.kind === "backup" ? "backupWorkflow" : "deleteBackupWorkflow", {
            workflowId: plan2.kind === "backup" ? backupWorkflowId(backup) : deleteBackupWorkflowId(backup),
            taskQueue: this.taskQueue,
            args: [{ backup }],
            workflowIdConflictPolicy: WorkflowIdConflictPolicy2.USE_EXISTING,
            // A finished backup is never taken again under the same object; a failed delete may be retried.
            workflowIdReusePolicy: plan2.kind === "backup" ? WorkflowIdReusePolicy.REJECT_DUPLICATE : WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
            typedSearchAttributes: clusterSearchAttributes({ namespace, name: clusterName, uid: "" }, plan2.kind === "backup" ? "Backup" : "DeleteBackup")
          });
          this.log.info({ backup: `${namespace}/${name}`, plan: plan2.kind }, "started backup workflow");
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
            this.log.warn({ backup: `${namespace}/${name}`, err: String(err) }, "starting the backup workflow failed");
            return;
          }
        }
        this.started.set(uid, plan2.kind);
      }
      async stop() {
        this.stopped = true;
        clearTimeout(this.timer);
        await this.informer?.stop();
      }
    };
  }
});

// client/user-watcher.ts
import { makeInformer as makeInformer3 } from "@kubernetes/client-node";
var userNeedsWorkflow, UserWatcher;
var init_user_watcher = __esm({
  "client/user-watcher.ts"() {
    "use strict";
    init_api();
    init_ids();
    init_messages();
    init_informer_restart();
    userNeedsWorkflow = (obj) => !obj.metadata?.deletionTimestamp || Boolean(obj.metadata.finalizers?.includes(FINALIZER));
    UserWatcher = class {
      constructor(kube, client, taskQueue, log, namespace, resyncMs = 5 * 6e4) {
        this.kube = kube;
        this.client = client;
        this.taskQueue = taskQueue;
        this.log = log;
        this.namespace = namespace;
        this.resyncMs = resyncMs;
      }
      kube;
      client;
      taskQueue;
      log;
      namespace;
      resyncMs;
      informer;
      stopped = false;
      timer;
      async start() {
        const path = this.namespace ? `/apis/${GROUP}/${VERSION}/namespaces/${this.namespace}/${ETCD_USER.plural}` : `/apis/${GROUP}/${VERSION}/${ETCD_USER.plural}`;
        const list = () => this.namespace ? this.kube.custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: this.namespace, plural: ETCD_USER.plural }) : this.kube.custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: ETCD_USER.plural });
        const informer = makeInformer3(this.kube.config, path, list);
        const on = (obj) => {
          void this.handle(obj);
        };
        informer.on("add", on);
        informer.on("update", on);
        restartOnError(informer, "etcdusers", this.log, () => this.stopped);
        this.informer = informer;
        await informer.start().catch((err) => this.log.warn({ what: "etcdusers", err: String(err) }, "watch failed; retrying"));
        this.resync();
      }
      /** Now and then every user's workflow is signalled again (started if it was lost). */
      resync() {
        this.timer = setTimeout(() => {
          if (this.stopped) return;
          for (const obj of this.informer?.list() ?? []) void this.handle(obj);
          this.resync();
        }, this.resyncMs);
        this.timer.unref();
      }
      async handle(obj) {
        const { name, namespace, uid } = obj.metadata ?? {};
        if (!name || !namespace || !uid || !userNeedsWorkflow(obj)) return;
        const user = { namespace, name, uid };
        try {
          await this.client.workflow.signalWithStart("etcdUserWorkflow", {
            workflowId: userWorkflowId(user),
            taskQueue: this.taskQueue,
            args: [{ user }],
            signal: userChangedSignal,
            signalArgs: []
          });
        } catch (err) {
          this.log.warn({ user: `${namespace}/${name}`, err: String(err) }, "signalling the user workflow failed");
        }
      }
      async stop() {
        this.stopped = true;
        clearTimeout(this.timer);
        await this.informer?.stop();
      }
    };
  }
});

// k8s/etcd-cluster.ts
function clusterRef(obj, spec) {
  const { name, namespace, uid } = obj.metadata;
  if (!name || !namespace || !uid) throw new Error("EtcdCluster metadata needs name, namespace and uid");
  return { name, namespace, uid, spec };
}
var init_etcd_cluster = __esm({
  "k8s/etcd-cluster.ts"() {
    "use strict";
  }
});

// k8s/tls-names.ts
function tlsSecretName(cluster, tls, role) {
  if (tls.mode === "auto") return autoSecretNames(cluster)[role];
  const name = { peer: tls.peerSecret, server: tls.serverSecret, operatorClient: tls.operatorClientSecret }[role];
  if (!name) throw new Error(`spec.tls.${role}Secret is required when spec.tls.mode is secrets`);
  return name;
}
var TLS_ROLES, autoSecretNames, memberWildcards, peerDnsNames, serverDnsNames, SERVER_IPS, TLS_MOUNT, tlsMountPath;
var init_tls_names = __esm({
  "k8s/tls-names.ts"() {
    "use strict";
    init_api();
    TLS_ROLES = ["peer", "server", "operatorClient"];
    autoSecretNames = (cluster) => ({
      ca: `${cluster}-ca`,
      peer: `${cluster}-peer-tls`,
      server: `${cluster}-server-tls`,
      operatorClient: `${cluster}-operator-client-tls`
    });
    memberWildcards = (cluster, namespace) => [
      `*.${headlessServiceName(cluster)}.${namespace}.svc`,
      `*.${headlessServiceName(cluster)}.${namespace}.svc.cluster.local`
    ];
    peerDnsNames = (cluster, namespace) => memberWildcards(cluster, namespace);
    serverDnsNames = (cluster, namespace) => {
      const svc = clientServiceName(cluster);
      return [...memberWildcards(cluster, namespace), svc, `${svc}.${namespace}`, `${svc}.${namespace}.svc`, `${svc}.${namespace}.svc.cluster.local`, "localhost"];
    };
    SERVER_IPS = ["127.0.0.1"];
    TLS_MOUNT = "/etc/etcd/tls";
    tlsMountPath = (role) => `${TLS_MOUNT}/${role}`;
  }
});

// k8s/manifests/owner.ts
function ownerReference(cluster) {
  return {
    apiVersion: API_VERSION,
    kind: ETCD_CLUSTER.kind,
    name: cluster.name,
    uid: cluster.uid,
    controller: true,
    blockOwnerDeletion: true
  };
}
function ownedMeta(cluster, name, labels = clusterLabels(cluster.name)) {
  return { name, namespace: cluster.namespace, labels, ownerReferences: [ownerReference(cluster)] };
}
var selectorLabels, selectorString, clusterLabels, memberLabels, belongsTo;
var init_owner = __esm({
  "k8s/manifests/owner.ts"() {
    "use strict";
    init_api();
    selectorLabels = (cluster) => ({
      [LABELS.name]: APP_NAME,
      [LABELS.cluster]: cluster
    });
    selectorString = (cluster) => Object.entries(selectorLabels(cluster)).map(([k, v]) => `${k}=${v}`).join(",");
    clusterLabels = (cluster) => ({
      ...selectorLabels(cluster),
      [LABELS.instance]: cluster,
      [LABELS.managedBy]: MANAGED_BY
    });
    memberLabels = (cluster, member, uid) => ({
      ...clusterLabels(cluster),
      [LABELS.member]: member,
      ...uid && { [LABELS.clusterUid]: uid }
    });
    belongsTo = (meta, uid) => Boolean(meta?.ownerReferences?.some((o) => o.uid === uid) || meta?.labels?.[LABELS.clusterUid] === uid);
  }
});

// k8s/manifests/security.ts
var ETCD_UID, podSecurityContext, containerSecurityContext;
var init_security = __esm({
  "k8s/manifests/security.ts"() {
    "use strict";
    ETCD_UID = 65532;
    podSecurityContext = () => ({
      runAsNonRoot: true,
      runAsUser: ETCD_UID,
      runAsGroup: ETCD_UID,
      fsGroup: ETCD_UID,
      fsGroupChangePolicy: "OnRootMismatch",
      seccompProfile: { type: "RuntimeDefault" }
    });
    containerSecurityContext = () => ({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] }
    });
  }
});

// k8s/manifests/member-pod.ts
import { createHash } from "node:crypto";
function optionFlags(options) {
  const flags = [
    ["quota-backend-bytes", options.quotaBackendBytes],
    ["auto-compaction-mode", options.autoCompactionMode],
    ["auto-compaction-retention", options.autoCompactionRetention],
    ["snapshot-count", options.snapshotCount],
    ["heartbeat-interval", options.heartbeatIntervalMs],
    ["election-timeout", options.electionTimeoutMs]
  ];
  return flags.filter(([, v]) => v !== void 0).map(([k, v]) => `--${k}=${v}`);
}
function tlsFlags(tls) {
  if (!tls) return [];
  const server = tlsMountPath("server");
  const peer = tlsMountPath("peer");
  return [
    `--cert-file=${server}/tls.crt`,
    `--key-file=${server}/tls.key`,
    // etcd turns client-certificate auth on whenever --trusted-ca-file is set: only with clientCertAuth.
    ...tls.clientCertAuth ? [`--trusted-ca-file=${server}/ca.crt`, "--client-cert-auth"] : [],
    // Peers always prove who they are: only holders of a certificate from the peer CA join.
    `--peer-cert-file=${peer}/tls.crt`,
    `--peer-key-file=${peer}/tls.key`,
    `--peer-trusted-ca-file=${peer}/ca.crt`,
    "--peer-client-cert-auth"
  ];
}
function etcdCommand({ cluster, member, initialCluster: initialCluster2, initialClusterState }) {
  const tls = Boolean(cluster.spec.tls);
  const scheme2 = tls ? "https" : "http";
  return [
    "/usr/local/bin/etcd",
    `--name=${member}`,
    `--data-dir=${DATA_DIR}`,
    `--listen-peer-urls=${scheme2}://0.0.0.0:${PEER_PORT}`,
    `--listen-client-urls=${scheme2}://0.0.0.0:${CLIENT_PORT}`,
    // Plain http even with TLS: only /metrics and /health, which kubelet probes without a certificate.
    `--listen-metrics-urls=http://0.0.0.0:${METRICS_PORT}`,
    `--advertise-client-urls=${clientURL(cluster.name, cluster.namespace, member, tls)}`,
    `--initial-advertise-peer-urls=${peerURL(cluster.name, cluster.namespace, member, tls)}`,
    `--initial-cluster=${initialCluster2}`,
    `--initial-cluster-state=${initialClusterState}`,
    // The UID keeps a recreated cluster of the same name from joining its predecessor's members.
    `--initial-cluster-token=${cluster.uid}`,
    ...tlsFlags(cluster.spec.tls),
    ...optionFlags(cluster.spec.options)
  ];
}
function resources(spec) {
  const r = spec.pod.resources;
  if (!r || !r.requests && !r.limits) return void 0;
  return { ...r.requests && { requests: quantities(r.requests) }, ...r.limits && { limits: quantities(r.limits) } };
}
function tlsVolumes(cluster) {
  const { tls } = cluster.spec;
  if (!tls) return [];
  return TLS_VOLUMES.map((r) => ({ name: `${r}-tls`, secret: { secretName: tlsSecretName(cluster.name, tls, r), defaultMode: 288 } }));
}
function dataVolume(spec, member) {
  return spec.storage.emptyDir ? { name: DATA_VOLUME, emptyDir: {} } : { name: DATA_VOLUME, persistentVolumeClaim: { claimName: pvcName(member) } };
}
function etcdContainer(input) {
  const res = resources(input.cluster.spec);
  return {
    name: ETCD_CONTAINER,
    image: input.image,
    imagePullPolicy: "IfNotPresent",
    command: etcdCommand(input),
    ports: [
      { name: "client", containerPort: CLIENT_PORT, protocol: "TCP" },
      { name: "peer", containerPort: PEER_PORT, protocol: "TCP" },
      { name: "metrics", containerPort: METRICS_PORT, protocol: "TCP" }
    ],
    // Ready = part of a cluster with a leader, so the client Service only routes to serving members.
    // Probed often: the client Service, and so Available, waits for this after etcd is healthy.
    // A NOSPACE alarm does not count: the member still serves reads, and the operator clears it.
    // On the metrics port, which stays plain http: the probe works with TLS and client-cert auth on.
    readinessProbe: { httpGet: { path: "/health?exclude=NOSPACE", port: METRICS_PORT }, periodSeconds: 2, failureThreshold: 3 },
    // Alive = the local process answers; serializable so a lost quorum does not restart every member.
    livenessProbe: {
      // NOSPACE excluded (as kubeadm does): restarting every member over a full backend would only take the cluster down.
      httpGet: { path: "/health?exclude=NOSPACE&serializable=true", port: METRICS_PORT },
      initialDelaySeconds: 10,
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 8
    },
    volumeMounts: [
      { name: DATA_VOLUME, mountPath: DATA_MOUNT_PATH },
      ...input.cluster.spec.tls ? TLS_VOLUMES.map((r) => ({ name: `${r}-tls`, mountPath: tlsMountPath(r), readOnly: true })) : []
    ],
    securityContext: containerSecurityContext(),
    ...res && { resources: res }
  };
}
function canonical(v) {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") {
    return `{${Object.entries(v).filter(([, x]) => x !== void 0).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0).map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(",")}}`;
  }
  return JSON.stringify(v);
}
function podTemplateHash(cluster, image) {
  const pod = buildPod({ cluster, member: TEMPLATE_MEMBER, initialCluster: "", initialClusterState: "existing", image });
  const container = pod.spec.containers[0];
  container.command = container.command.filter((f) => !FIRST_START_FLAGS.test(f));
  return createHash("sha256").update(canonical(pod)).digest("hex").slice(0, 16);
}
function memberPod(input) {
  const pod = buildPod(input);
  pod.metadata.annotations = { ...pod.metadata.annotations, [POD_TEMPLATE_HASH]: podTemplateHash(input.cluster, input.image) };
  return pod;
}
function buildPod(input) {
  const { cluster, member } = input;
  const { pod } = cluster.spec;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: member,
      namespace: cluster.namespace,
      // The operator's labels last: Service and PDB selectors depend on them.
      labels: { ...pod.labels, ...memberLabels(cluster.name, member, cluster.uid) },
      // The fingerprint of the certificates in use: a renewed or replaced certificate changes the
      // pod template, so members restart onto it one at a time.
      ...(pod.annotations || cluster.tlsFingerprint) && {
        annotations: { ...pod.annotations, ...cluster.tlsFingerprint && { [TLS_FINGERPRINT]: cluster.tlsFingerprint } }
      },
      ownerReferences: [ownerReference(cluster)]
    },
    spec: {
      hostname: member,
      subdomain: headlessServiceName(cluster.name),
      restartPolicy: "Always",
      enableServiceLinks: false,
      // etcd never calls the Kubernetes API: no token in the pod.
      automountServiceAccountToken: false,
      securityContext: podSecurityContext(),
      terminationGracePeriodSeconds: 30,
      containers: [etcdContainer(input)],
      volumes: [dataVolume(cluster.spec, member), ...tlsVolumes(cluster)],
      ...pod.nodeSelector && { nodeSelector: { ...pod.nodeSelector } },
      ...pod.affinity && { affinity: structuredClone(pod.affinity) },
      ...pod.tolerations && { tolerations: pod.tolerations.map((t) => ({ ...t })) },
      ...pod.topologySpreadConstraints && {
        topologySpreadConstraints: structuredClone(pod.topologySpreadConstraints)
      },
      ...pod.priorityClassName && { priorityClassName: pod.priorityClassName }
    }
  };
}
var DATA_VOLUME, DATA_MOUNT_PATH, DATA_DIR, ETCD_CONTAINER, POD_TEMPLATE_HASH, TLS_FINGERPRINT, quantities, TLS_VOLUMES, TEMPLATE_MEMBER, FIRST_START_FLAGS;
var init_member_pod = __esm({
  "k8s/manifests/member-pod.ts"() {
    "use strict";
    init_api();
    init_tls_names();
    init_owner();
    init_security();
    DATA_VOLUME = "data";
    DATA_MOUNT_PATH = "/var/lib/etcd";
    DATA_DIR = `${DATA_MOUNT_PATH}/data`;
    ETCD_CONTAINER = "etcd";
    POD_TEMPLATE_HASH = `${GROUP}/pod-template-hash`;
    TLS_FINGERPRINT = `${GROUP}/tls-fingerprint`;
    quantities = (m) => m && Object.fromEntries(Object.entries(m).map(([k, v]) => [k, String(v)]));
    TLS_VOLUMES = ["peer", "server"];
    TEMPLATE_MEMBER = "member";
    FIRST_START_FLAGS = /^--initial-cluster(-state)?=/;
  }
});

// activities/secret-text.ts
async function readSecretText(kube, namespace, name) {
  let s;
  try {
    s = await kube.core.readNamespacedSecret({ namespace, name });
  } catch (err) {
    if (isNotFound(err)) return void 0;
    throw err;
  }
  return Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
}
var init_secret_text = __esm({
  "activities/secret-text.ts"() {
    "use strict";
    init_kube_client();
  }
});

// activities/x509.ts
import "reflect-metadata";
import { X509Certificate, createHash as createHash2, createPrivateKey, randomBytes, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
async function issueCA(commonName, notBefore, validityMs) {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${commonName}`,
    notBefore,
    notAfter: new Date(notBefore.getTime() + validityMs),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey)
    ]
  });
  return { cert: cert.toString("pem"), key: await keyPem(keys.privateKey) };
}
async function issueLeaf(ca, r) {
  const keys = await keyPair();
  const caCert = new x509.X509Certificate(ca.cert);
  const names = [...r.dnsNames.map((value) => ({ type: "dns", value })), ...(r.ips ?? []).map((value) => ({ type: "ip", value }))];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${r.commonName}`,
    issuer: caCert.subject,
    notBefore: r.notBefore,
    notAfter: new Date(r.notBefore.getTime() + r.validityMs),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: await importKey(ca.key),
    extensions: [
      new x509.BasicConstraintsExtension(false, void 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension(r.usages.map((u) => u === "server" ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth)),
      ...names.length ? [new x509.SubjectAlternativeNameExtension(names)] : [],
      await x509.AuthorityKeyIdentifierExtension.create(caCert)
    ]
  });
  return { cert: cert.toString("pem"), key: await keyPem(keys.privateKey) };
}
function parseBundle(pem) {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((b) => new X509Certificate(b));
}
function tlsFilesProblem(files, check) {
  const missing = ["tls.crt", "tls.key", "ca.crt"].filter((k) => !files[k]?.trim());
  if (missing.length) return `has no ${missing.join(", ")}`;
  let cert;
  let cas;
  try {
    cert = new X509Certificate(files["tls.crt"]);
  } catch (err) {
    return `tls.crt is not a PEM certificate (${err.message})`;
  }
  try {
    if (!cert.checkPrivateKey(createPrivateKey(files["tls.key"]))) return "tls.key is not the key of tls.crt";
  } catch (err) {
    return `tls.key is not a PEM private key (${err.message})`;
  }
  try {
    cas = parseBundle(files["ca.crt"]);
  } catch (err) {
    return `ca.crt is not a PEM certificate bundle (${err.message})`;
  }
  if (!cas.length) return "ca.crt holds no certificate";
  const now = check.now.getTime();
  if (Date.parse(cert.validTo) <= now) return `tls.crt expired on ${cert.validTo}`;
  if (Date.parse(cert.validFrom) > now) return `tls.crt is not valid before ${cert.validFrom}`;
  if (!cas.some((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey))) return "tls.crt is not signed by a certificate in ca.crt";
  if (check.host && !cert.checkHost(check.host, { wildcards: true })) return `tls.crt does not cover ${check.host} (its names: ${cert.subjectAltName ?? "none"})`;
  const usages = check.usage === "both" ? ["server", "client"] : check.usage ? [check.usage] : [];
  const eku = new x509.X509Certificate(cert.raw).getExtension(x509.ExtendedKeyUsageExtension);
  for (const u of usages) if (eku && !eku.usages.includes(EKU[u])) return `tls.crt is not for ${u} authentication (extended key usage)`;
  return void 0;
}
function lifetimeLeft(certPem, now) {
  try {
    const c = new X509Certificate(certPem);
    const from = Date.parse(c.validFrom);
    const to = Date.parse(c.validTo);
    return Math.max(0, (to - now.getTime()) / (to - from));
  } catch {
    return 0;
  }
}
function lifetimeMs(certPem) {
  try {
    const c = new X509Certificate(certPem);
    return Date.parse(c.validTo) - Date.parse(c.validFrom);
  } catch {
    return 0;
  }
}
var crypto, ALG, serial, keyPair, keyPem, importKey, EKU, certFingerprint;
var init_x509 = __esm({
  "activities/x509.ts"() {
    "use strict";
    crypto = webcrypto;
    x509.cryptoProvider.set(crypto);
    ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
    serial = () => `01${randomBytes(15).toString("hex")}`;
    keyPair = () => crypto.subtle.generateKey(ALG, true, ["sign", "verify"]);
    keyPem = async (k) => x509.PemConverter.encode(await crypto.subtle.exportKey("pkcs8", k), "PRIVATE KEY");
    importKey = (pem) => crypto.subtle.importKey("pkcs8", x509.PemConverter.decodeFirst(pem), ALG, true, ["sign"]);
    EKU = { server: "1.3.6.1.5.5.7.3.1", client: "1.3.6.1.5.5.7.3.2" };
    certFingerprint = (...pems) => createHash2("sha256").update(pems.join("\n")).digest("hex").slice(0, 16);
  }
});

// activities/tls-secrets.ts
import { ApplicationFailure as ApplicationFailure2 } from "@temporalio/activity";
async function readTlsSecret(kube, namespace, name) {
  const data = await readSecretText(kube, namespace, name);
  return data && { "tls.crt": data["tls.crt"], "tls.key": data["tls.key"], "ca.crt": data["ca.crt"] };
}
function checkFor(cluster, namespace, role, now) {
  if (role === "peer") return { host: `${memberName(cluster, 0)}.${cluster}.${namespace}.svc`, usage: "both", now };
  if (role === "server") return { host: clientServiceHost(cluster, namespace), usage: "server", now };
  return { usage: "client", now };
}
async function usableTlsSecret(kube, ref, tls, role, now = /* @__PURE__ */ new Date()) {
  const name = tlsSecretName(ref.name, tls, role);
  const files = await readTlsSecret(kube, ref.namespace, name);
  const where = tls.mode === "secrets" ? `${FIELD[role]}: Secret ${ref.namespace}/${name}` : `Secret ${ref.namespace}/${name}`;
  if (!files) throw ApplicationFailure2.nonRetryable(`${where} not found`, "TLSSecretInvalid");
  const problem = tlsFilesProblem(files, checkFor(ref.name, ref.namespace, role, now));
  if (problem) throw ApplicationFailure2.nonRetryable(`${where} ${problem}`, "TLSSecretInvalid");
  return files;
}
async function tlsFingerprint(kube, ref, tls) {
  const peer = await usableTlsSecret(kube, ref, tls, "peer");
  const server = await usableTlsSecret(kube, ref, tls, "server");
  return certFingerprint(peer["tls.crt"], peer["ca.crt"], server["tls.crt"], server["ca.crt"]);
}
var FIELD;
var init_tls_secrets = __esm({
  "activities/tls-secrets.ts"() {
    "use strict";
    init_api();
    init_tls_names();
    init_secret_text();
    init_x509();
    FIELD = { peer: "spec.tls.peerSecret", server: "spec.tls.serverSecret", operatorClient: "spec.tls.operatorClientSecret" };
  }
});

// activities/kube-certificates.ts
import { ApplicationFailure as ApplicationFailure3 } from "@temporalio/activity";
function request(ref, role) {
  if (role === "peer") return { commonName: `${ref.name} peer`, dnsNames: peerDnsNames(ref.name, ref.namespace), usages: ["server", "client"] };
  if (role === "server") return { commonName: `${ref.name} server`, dnsNames: serverDnsNames(ref.name, ref.namespace), ips: SERVER_IPS, usages: ["server", "client"] };
  return { commonName: "etcd-operator", dnsNames: [], usages: ["client"] };
}
function renewalReason(files, caCert, ref, role, tls, now) {
  if (!files?.["tls.crt"]) return "missing";
  if (!caCert || !files["ca.crt"]?.includes(caCert.trim())) return "signed by another CA";
  const problem = tlsFilesProblem(files, checkFor(ref.name, ref.namespace, role, now));
  if (problem) return problem;
  if (lifetimeLeft(files["tls.crt"], now) <= RENEW_AT) return "a third of its lifetime left";
  if (Math.abs(lifetimeMs(files["tls.crt"]) - durationMs(tls.autoCertificateValidity)) >= 6e4) return "spec.tls.autoCertificateValidity changed";
  return void 0;
}
async function autoCertificatesDue(kube, ref, tls, now) {
  if (tls.mode !== "auto") return false;
  const names = autoSecretNames(ref.name);
  const ca = await readTlsSecret(kube, ref.namespace, names.ca);
  for (const role of TLS_ROLES) {
    if (renewalReason(await readTlsSecret(kube, ref.namespace, names[role]), ca?.["tls.crt"], ref, role, tls, now)) return true;
  }
  return false;
}
function tlsSecret(ref, name, pem, caBundle) {
  return { apiVersion: "v1", kind: "Secret", metadata: ownedMeta(ref, name), type: "kubernetes.io/tls", data: { "tls.crt": b64(pem.cert), "tls.key": b64(pem.key), "ca.crt": b64(caBundle) } };
}
function certificateActivities({ kube, now = () => /* @__PURE__ */ new Date() }) {
  async function ensureCA(ref, t) {
    const names = autoSecretNames(ref.name);
    const existing = await readTlsSecret(kube, ref.namespace, names.ca);
    if (existing?.["tls.crt"] && existing["tls.key"] && lifetimeLeft(existing["tls.crt"], t) > 0) return { ca: { cert: existing["tls.crt"], key: existing["tls.key"] }, issued: false };
    for (const role of ["peer", "server"]) {
      if (await readTlsSecret(kube, ref.namespace, names[role])) {
        throw ApplicationFailure3.nonRetryable(`Secret ${ref.namespace}/${names.ca} (the cluster's CA) is missing or expired while ${names[role]} still holds a certificate it signed: restore it (a new CA cannot be rolled out member by member)`, "TLSSecretInvalid");
      }
    }
    const ca = await issueCA(`${ref.namespace}/${ref.name} etcd CA`, t, CA_VALIDITY_MS);
    await kube.apply(tlsSecret(ref, names.ca, ca, ca.cert));
    return { ca, issued: true };
  }
  return {
    /**
     * Mode auto: issues every certificate that renewalReason() names, signed by the cluster's CA.
     * Mode secrets: checks the user's Secrets (a problem is a non-retryable TLSSecretInvalid naming
     * the field). Returns the Secrets written, with why.
     */
    async ensureCertificates(key) {
      const c = await loadCluster(kube, key, { withTls: false });
      const tls = c?.spec.tls;
      if (!c || !tls) return { issued: [] };
      const t = now();
      if (tls.mode === "secrets") {
        for (const role of TLS_ROLES) await usableTlsSecret(kube, c.ref, tls, role, t);
        return { issued: [] };
      }
      const names = autoSecretNames(key.name);
      const issued = [];
      const { ca, issued: newCA } = await ensureCA(c.ref, t);
      if (newCA) issued.push(`${names.ca} (new CA)`);
      for (const role of TLS_ROLES) {
        const why = renewalReason(await readTlsSecret(kube, key.namespace, names[role]), ca.cert, c.ref, role, tls, t);
        if (!why) continue;
        const leaf = await issueLeaf(ca, { ...request(c.ref, role), notBefore: new Date(t.getTime() - 6e4), validityMs: durationMs(tls.autoCertificateValidity) });
        await kube.apply(tlsSecret(c.ref, names[role], leaf, ca.cert));
        issued.push(`${names[role]} (${why})`);
      }
      return { issued };
    }
  };
}
var CA_VALIDITY_MS, RENEW_AT, b64;
var init_kube_certificates = __esm({
  "activities/kube-certificates.ts"() {
    "use strict";
    init_owner();
    init_security_spec();
    init_tls_names();
    init_kube_cluster();
    init_tls_secrets();
    init_x509();
    CA_VALIDITY_MS = 10 * 365 * 864e5;
    RENEW_AT = 1 / 3;
    b64 = (s) => Buffer.from(s, "utf8").toString("base64");
  }
});

// activities/kube-cluster.ts
import { ApplicationFailure as ApplicationFailure4 } from "@temporalio/activity";
async function fetchCluster(kube, key) {
  const obj = await kube.getCluster(key.namespace, key.name);
  return obj && obj.metadata.uid === key.uid ? obj : void 0;
}
async function loadCluster(kube, key, { withTls = true } = {}) {
  const obj = await fetchCluster(kube, key);
  if (!obj) return void 0;
  const v = validateClusterSpec(obj.spec);
  if (!v.ok) throw ApplicationFailure4.nonRetryable(`invalid spec: ${formatSpecErrors(v.errors)}`, "InvalidSpec");
  const ref = clusterRef(obj, v.spec);
  if (withTls && v.spec.tls && !obj.metadata.deletionTimestamp) ref.tlsFingerprint = await tlsFingerprint(kube, ref, v.spec.tls);
  return { obj, spec: v.spec, ref };
}
function clusterActivities({ kube, defaultRepository, now = () => /* @__PURE__ */ new Date() }) {
  return {
    /** The desired state, validated; undefined when the cluster no longer exists. */
    async readCluster(key) {
      const c = await loadCluster(kube, key);
      if (!c) return void 0;
      const image = imageFor(c.spec, defaultRepository);
      return {
        generation: c.obj.metadata.generation ?? 0,
        size: c.spec.size,
        version: c.spec.version,
        image,
        paused: c.spec.paused,
        retainOnDelete: c.spec.storage.retainOnDelete,
        emptyDir: c.spec.storage.emptyDir,
        deleting: Boolean(c.obj.metadata.deletionTimestamp),
        restoreFromBackup: Boolean(c.spec.bootstrap?.backup),
        recoveryPolicy: c.spec.recovery.policy,
        podTemplateHash: podTemplateHash(c.ref, image),
        authEnabled: c.spec.auth.enabled,
        ...c.spec.tls?.mode === "auto" && { certificatesDue: await autoCertificatesDue(kube, c.ref, c.spec.tls, now()) }
      };
    },
    async ensureFinalizer(key) {
      const obj = await fetchCluster(kube, key);
      if (!obj || obj.metadata.finalizers?.includes(FINALIZER)) return;
      await kube.patchCluster(key.namespace, key.name, {
        metadata: { finalizers: [...obj.metadata.finalizers ?? [], FINALIZER], resourceVersion: obj.metadata.resourceVersion }
      });
    },
    /** The delete operation's last step: lets Kubernetes remove the object. */
    async removeFinalizer(key) {
      const obj = await fetchCluster(kube, key);
      if (!obj || !obj.metadata.finalizers?.includes(FINALIZER)) return;
      await kube.patchCluster(key.namespace, key.name, {
        metadata: { finalizers: obj.metadata.finalizers.filter((f) => f !== FINALIZER), resourceVersion: obj.metadata.resourceVersion }
      });
    }
  };
}
var init_kube_cluster = __esm({
  "activities/kube-cluster.ts"() {
    "use strict";
    init_api();
    init_cluster_spec();
    init_etcd_cluster();
    init_member_pod();
    init_tls_secrets();
    init_kube_certificates();
  }
});

// k8s/manifests/pdb.ts
function podDisruptionBudget(cluster, voters = cluster.spec.size) {
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: ownedMeta(cluster, pdbName(cluster.name)),
    spec: {
      minAvailable: quorum(voters),
      selector: { matchLabels: selectorLabels(cluster.name) }
    }
  };
}
var quorum;
var init_pdb = __esm({
  "k8s/manifests/pdb.ts"() {
    "use strict";
    init_api();
    init_owner();
    quorum = (size) => Math.floor(size / 2) + 1;
  }
});

// activities/kube-status.ts
function eventAbout(involvedObject, e, at) {
  const t = at.toISOString();
  return {
    metadata: { name: `${involvedObject.name}.${e.id}`.toLowerCase().replace(/[^a-z0-9.-]/g, "-").slice(0, 253), namespace: involvedObject.namespace },
    involvedObject,
    type: e.type,
    reason: e.reason,
    message: e.message,
    source: { component: "etcd-operator" },
    reportingComponent: "etcd.operator.dev/operator",
    reportingInstance: "etcd-operator",
    firstTimestamp: t,
    lastTimestamp: t,
    count: 1
  };
}
function statusActivities({ kube, now }) {
  const patch = (key, build) => kube.updateClusterStatus(key.namespace, key.name, key.uid, (obj) => build(obj.status ?? {}));
  return {
    async reportStep(key, step) {
      await patch(key, (s) => ({
        operation: step,
        conditions: setCondition(s.conditions, { type: "Progressing", status: "True", reason: REASONS.Progressing.OperationRunning, message: `${step.type}: ${step.step}${step.reason ? ` (${step.reason})` : ""}` }, now())
      }));
    },
    async reportOutcome(key, o) {
      await patch(key, (s) => {
        let conditions = setCondition(s.conditions, { type: "Progressing", status: "False", reason: REASONS.Progressing.Idle, message: `${o.type} ${o.result.toLowerCase()}` }, now());
        if (o.result === "Failed") {
          conditions = setCondition(conditions, { type: "Degraded", status: "True", reason: REASONS.Degraded.OperationFailed, message: o.message }, now());
        }
        return {
          operation: null,
          lastOperation: { type: o.type, workflowId: o.workflowId, result: o.result, message: o.message, finishedAt: now().toISOString().replace(/\.\d{3}Z$/, "Z") },
          ...o.result === "Succeeded" && o.generation !== void 0 && { observedGeneration: o.generation },
          conditions
        };
      });
    },
    /** A certificate Secret cannot be used: nothing starts until it is fixed (the message names the field and the problem). */
    async reportTlsProblem(key, message) {
      await patch(key, (s) => ({
        conditions: setCondition(s.conditions, { type: "Degraded", status: "True", reason: REASONS.Degraded.TLSSecretInvalid, message }, now())
      }));
    },
    /** The spec at this generation needs no operation (or none this operator has yet). */
    async reportObserved(key, generation) {
      await patch(key, () => ({ observedGeneration: generation }));
    },
    /** Members as etcd reports them, and the conditions that follow from them. */
    async reportMembers(key, members, expectedSize) {
      await patch(key, (s) => {
        const voters = members.filter((m) => !m.learner);
        const healthyVoters = voters.filter((m) => m.healthy).length;
        const available = voters.length > 0 && healthyVoters >= quorum(voters.length);
        const allHealthy = members.length === expectedSize && members.every((m) => m.healthy);
        const lowest = lowestVersion(members.map((m) => m.version).filter((v) => Boolean(v)));
        const updates = [
          availableCondition(available, healthyVoters, voters.length),
          allHealthy ? { type: "Degraded", status: "False", reason: REASONS.Degraded.AllMembersHealthy, message: `${members.length} members healthy` } : { type: "Degraded", status: "True", reason: REASONS.Degraded.MembersUnhealthy, message: `${members.filter((m) => m.healthy).length}/${expectedSize} members healthy` }
        ];
        return {
          members: [...members].sort((a, b) => a.name.localeCompare(b.name)),
          readyMembers: members.filter((m) => m.healthy).length,
          ...lowest && { currentVersion: lowest },
          selector: selectorString(key.name),
          conditions: updates.reduce((acc, u) => setCondition(acc, u, now()), s.conditions ?? [])
        };
      });
    },
    /**
     * The reconcile loop's observation and verdict: members as etcd reports them, Available from
     * quorum, Degraded with the planner's reason when a member is down or quorum is lost.
     */
    async reportObservation(key, o, expectedSize, verdict) {
      await patch(key, (s) => {
        const voters = o.members.filter((m) => !m.learner);
        const healthyVoters = voters.filter((m) => m.healthy).length;
        const available = o.quorum && voters.length > 0 && healthyVoters >= quorum(voters.length);
        const down = voters.filter((m) => !m.healthy).length;
        const lostPods = o.members.filter((m) => !o.pods.some((p) => p.name === m.name && !p.terminating)).length;
        const lowest = lowestVersion(o.members.map((m) => m.version).filter((v) => Boolean(v)));
        const noSpace = [...new Set((o.alarms ?? []).filter((a) => a.alarm === "NOSPACE").map((a) => a.member))].sort();
        const resizing = voters.length !== expectedSize ? ` (resizing ${voters.length} -> ${expectedSize})` : "";
        const degraded = verdict.quorumLost ? { type: "Degraded", status: "True", reason: REASONS.Degraded.QuorumLost, message: verdict.reason } : down || lostPods ? { type: "Degraded", status: "True", reason: REASONS.Degraded.MemberRepair, message: `${healthyVoters}/${voters.length} voters healthy: ${verdict.reason}` } : verdict.failed ? { type: "Degraded", status: "True", reason: REASONS.Degraded.OperationFailed, message: verdict.failed } : noSpace.length ? { type: "Degraded", status: "True", reason: REASONS.Degraded.NoSpace, message: `NOSPACE alarm on ${noSpace.join(", ")}: writes are refused (${verdict.reason})` } : { type: "Degraded", status: "False", reason: REASONS.Degraded.AllMembersHealthy, message: `${healthyVoters} voters healthy${resizing}` };
        const updates = [
          availableCondition(available, healthyVoters, voters.length),
          degraded
        ];
        return {
          members: o.members.map((m) => ({ name: m.name, id: m.id, peerURL: m.peerURL, leader: m.leader, learner: m.learner, healthy: m.healthy, ...m.version && { version: m.version } })),
          readyMembers: o.members.filter((m) => m.healthy && !m.learner).length,
          ...lowest && { currentVersion: lowest },
          selector: selectorString(key.name),
          conditions: updates.reduce((acc, u) => setCondition(acc, u, now()), s.conditions ?? [])
        };
      });
    },
    /** Events get deterministic names (cluster + operation id), so a retried activity records one Event. */
    /** Records which snapshot the cluster now holds (after a bootstrap restore or a recovery). */
    async reportRestore(key, r) {
      await patch(key, () => ({ restoredFrom: { ...r, completedAt: now().toISOString().replace(/\.\d{3}Z$/, "Z") } }));
    },
    async recordEvent(key, e) {
      await kube.createEvent(eventAbout({ apiVersion: API_VERSION, kind: ETCD_CLUSTER.kind, name: key.name, namespace: key.namespace, uid: key.uid }, e, now()));
    }
  };
}
var availableCondition;
var init_kube_status = __esm({
  "activities/kube-status.ts"() {
    "use strict";
    init_conditions();
    init_owner();
    init_pdb();
    init_cluster_spec();
    init_api();
    availableCondition = (available, healthy, voters) => available ? { type: "Available", status: "True", reason: REASONS.Available.QuorumHealthy, message: `${healthy}/${voters} voters healthy` } : { type: "Available", status: "False", reason: REASONS.Available.QuorumLost, message: `${healthy}/${voters} voters healthy` };
  }
});

// k8s/manifests/initial-cluster.ts
var initialCluster;
var init_initial_cluster = __esm({
  "k8s/manifests/initial-cluster.ts"() {
    "use strict";
    init_api();
    initialCluster = (cluster, namespace, members, tls = false) => members.map((m) => `${m}=${peerURL(cluster, namespace, m, tls)}`).join(",");
  }
});

// k8s/manifests/member-pvc.ts
function memberPVC(cluster, member) {
  const { storage } = cluster.spec;
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: {
      name: pvcName(member),
      namespace: cluster.namespace,
      labels: memberLabels(cluster.name, member, cluster.uid),
      ...!storage.retainOnDelete && { ownerReferences: [ownerReference(cluster)] }
    },
    spec: {
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: storage.size } },
      ...storage.storageClassName !== void 0 && { storageClassName: storage.storageClassName }
    }
  };
}
var init_member_pvc = __esm({
  "k8s/manifests/member-pvc.ts"() {
    "use strict";
    init_api();
    init_owner();
  }
});

// k8s/manifests/services.ts
function headlessService(cluster) {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: ownedMeta(cluster, headlessServiceName(cluster.name)),
    spec: {
      clusterIP: "None",
      // Members must resolve each other before they are ready, or a new cluster never forms.
      publishNotReadyAddresses: true,
      selector: selectorLabels(cluster.name),
      ports: [port("client", CLIENT_PORT), port("peer", PEER_PORT)]
    }
  };
}
function clientService(cluster) {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: ownedMeta(cluster, clientServiceName(cluster.name)),
    spec: {
      type: "ClusterIP",
      selector: selectorLabels(cluster.name),
      ports: [port("client", CLIENT_PORT)]
    }
  };
}
var port;
var init_services = __esm({
  "k8s/manifests/services.ts"() {
    "use strict";
    init_api();
    init_owner();
    port = (name, n) => ({ name, port: n, targetPort: n, protocol: "TCP" });
  }
});

// k8s/manifests/network-policy.ts
function networkPolicy(cluster) {
  const members = { matchLabels: selectorLabels(cluster.name) };
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: ownedMeta(cluster, networkPolicyName(cluster.name)),
    spec: {
      podSelector: members,
      policyTypes: ["Ingress"],
      ingress: [
        { _from: [{ podSelector: members }], ports: [{ protocol: "TCP", port: PEER_PORT }] },
        { ports: [{ protocol: "TCP", port: CLIENT_PORT }, { protocol: "TCP", port: METRICS_PORT }] }
      ]
    }
  };
}
var networkPolicyName;
var init_network_policy = __esm({
  "k8s/manifests/network-policy.ts"() {
    "use strict";
    init_api();
    init_owner();
    networkPolicyName = (cluster) => cluster;
  }
});

// workflows/reconcile-planner.ts
function memberIndex(cluster, name) {
  if (!name.startsWith(`${cluster}-`)) return void 0;
  const rest = name.slice(cluster.length + 1);
  return /^(0|[1-9][0-9]*)$/.test(rest) ? Number(rest) : void 0;
}
function podOutdated(pod, desired) {
  if (!desired.podTemplateHash) return false;
  return pod.templateHash ? pod.templateHash !== desired.podTemplateHash : Boolean(desired.image && pod.image && pod.image !== desired.image);
}
var CRASH_LOOP_RESTARTS, quorumOf, nameFromPeerURL;
var init_reconcile_planner = __esm({
  "workflows/reconcile-planner.ts"() {
    "use strict";
    init_versions();
    CRASH_LOOP_RESTARTS = 3;
    quorumOf = (voters) => Math.floor(voters / 2) + 1;
    nameFromPeerURL = (peerURL2) => /^[a-z]+:\/\/([^.:/]+)/.exec(peerURL2)?.[1] ?? "";
  }
});

// activities/root-secret.ts
import { randomBytes as randomBytes2 } from "node:crypto";
import { ApplicationFailure as ApplicationFailure5 } from "@temporalio/activity";
async function readPassword(kube, namespace, name, field) {
  const data = await readSecretText(kube, namespace, name);
  if (!data) return void 0;
  const v = data[PASSWORD_KEY];
  if (!v) throw ApplicationFailure5.nonRetryable(`${field}: Secret ${namespace}/${name} has no key "${PASSWORD_KEY}"`, "SecretInvalid");
  return v;
}
async function recordAppliedRootPassword(kube, ref, password) {
  const body = { apiVersion: "v1", kind: "Secret", metadata: ownedMeta(ref, appliedRootSecretName(ref.name)), type: "Opaque", data: { [PASSWORD_KEY]: Buffer.from(password).toString("base64") } };
  await kube.apply(body);
}
async function ensurePasswordSecret(kube, ref, name, labels = {}) {
  const body = { apiVersion: "v1", kind: "Secret", metadata: { ...ownedMeta(ref, name), labels: { ...ownedMeta(ref, name).labels, ...labels } }, type: "Opaque", stringData: { [PASSWORD_KEY]: newPassword() } };
  try {
    await kube.core.createNamespacedSecret({ namespace: ref.namespace, body });
    return "created";
  } catch (err) {
    if (err.code === 409) return "exists";
    throw err;
  }
}
var ROOT, PASSWORD_KEY, rootSecretName, appliedRootSecretName, newPassword;
var init_root_secret = __esm({
  "activities/root-secret.ts"() {
    "use strict";
    init_owner();
    init_secret_text();
    ROOT = "root";
    PASSWORD_KEY = "password";
    rootSecretName = (cluster, auth) => auth.rootSecret ?? `${cluster}-root`;
    appliedRootSecretName = (cluster) => `${cluster}-root-applied`;
    newPassword = () => randomBytes2(24).toString("base64url");
  }
});

// activities/etcd-client.ts
import { Etcd3 } from "etcd3";
function loginThroughOurChannel(client, hosts, callTimeoutMs, creds) {
  if (!creds.auth || !creds.tls) return client;
  const authenticator = client.pool.authenticator;
  if (!authenticator) throw new Error("etcd3 internals changed: no pool.authenticator to log in through");
  authenticator.getCredentialsFromHost = async (_address, name, password) => {
    const plain = etcdClient(hosts, callTimeoutMs, { tls: creds.tls });
    try {
      return (await plain.auth.authenticate({ name, password })).token;
    } finally {
      plain.close();
    }
  };
  return client;
}
async function clusterPods(kube, key) {
  return (await kube.listPods(key.namespace, selectorString(key.name))).filter((p) => belongsTo(p.metadata, key.uid));
}
function endpointsOf(pods, tls = false) {
  const m = /* @__PURE__ */ new Map();
  for (const p of pods) {
    if (p.status?.podIP && !p.metadata?.deletionTimestamp) m.set(p.metadata.name, `${tls ? "https" : "http"}://${p.status.podIP}:${CLIENT_PORT}`);
  }
  return m;
}
async function withLogin(hosts, fn, callTimeoutMs, creds) {
  try {
    return await withEtcd(hosts, fn, callTimeoutMs, creds);
  } catch (err) {
    if (!creds.auth || !authNotEnabled(err)) throw err;
    return withEtcd(hosts, fn, callTimeoutMs, { ...creds, auth: void 0 });
  }
}
async function credentialsFor(kube, ref) {
  const { tls } = ref.spec;
  if (!tls) return {};
  const files = await usableTlsSecret(kube, ref, tls, "operatorClient");
  return { tls: { ca: Buffer.from(files["ca.crt"]), cert: Buffer.from(files["tls.crt"]), key: Buffer.from(files["tls.key"]), servername: clientServiceHost(ref.name, ref.namespace) } };
}
async function etcdAccess(kube, key) {
  const [found, pods] = await Promise.all([kube.getCluster(key.namespace, key.name), clusterPods(kube, key)]);
  const cluster = found?.metadata.uid === key.uid ? found : void 0;
  const v = cluster ? validateClusterSpec(cluster.spec) : void 0;
  const spec = v?.ok ? v.spec : void 0;
  const tlsCreds = spec ? await credentialsFor(kube, { name: key.name, namespace: key.namespace, spec }) : {};
  const wanted2 = spec ? await readPassword(kube, key.namespace, rootSecretName(key.name, spec.auth), "spec.auth.rootSecret").then((v2) => v2 ?? null, () => void 0) : void 0;
  const applied = spec && (spec.auth.enabled || wanted2 !== null) ? await readPassword(kube, key.namespace, appliedRootSecretName(key.name), "root password").catch(() => void 0) : void 0;
  const password = applied ?? wanted2 ?? void 0;
  const root = password ? { username: ROOT, password } : void 0;
  const endpoints = endpointsOf(pods, Boolean(tlsCreds.tls));
  const authOn = root ? await authStatus([...endpoints.values()], tlsCreds) : false;
  const login = authOn ?? spec?.auth.enabled;
  const creds = { ...tlsCreds, ...login && root && { auth: root } };
  return {
    cluster,
    pods,
    endpoints,
    creds,
    root,
    authOn,
    rootPasswordChanged: authOn === true && wanted2 !== void 0 && wanted2 !== applied,
    with: (hosts, fn, callTimeoutMs) => withLogin(hosts, fn, callTimeoutMs, creds),
    withRoot: (hosts, fn, callTimeoutMs) => withLogin(hosts, fn, callTimeoutMs, { ...tlsCreds, ...authOn !== false && root && { auth: root } }),
    client: (hosts, callTimeoutMs, stream) => etcdClient(hosts, callTimeoutMs, creds, stream)
  };
}
async function authStatus(hosts, tls, callTimeoutMs = 2500) {
  if (!hosts.length) return void 0;
  try {
    return Boolean((await withEtcd(hosts, (c) => c.auth.authStatus(), callTimeoutMs, { tls: tls.tls })).enabled);
  } catch (err) {
    return /user name is empty|user name not found|permission denied|invalid auth token/i.test(String(err.message)) ? true : void 0;
  }
}
async function withEtcd(hosts, fn, callTimeoutMs, creds = {}) {
  const c = etcdClient(hosts, callTimeoutMs, creds);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}
var etcdClient, authNotEnabled, hexId, wireMemberName;
var init_etcd_client = __esm({
  "activities/etcd-client.ts"() {
    "use strict";
    init_api();
    init_cluster_spec();
    init_owner();
    init_reconcile_planner();
    init_tls_secrets();
    init_root_secret();
    etcdClient = (hosts, callTimeoutMs = 5e3, creds = {}, stream = false) => loginThroughOurChannel(new Etcd3({
      hosts,
      dialTimeout: Math.min(2e3, callTimeoutMs),
      // No deadline on a stream (a snapshot lasts as long as the database takes; heartbeats catch a stall).
      defaultCallOptions: (ctx) => stream && ctx.isStream ? {} : { deadline: new Date(Date.now() + callTimeoutMs) },
      ...creds.tls && {
        credentials: { rootCertificate: creds.tls.ca, certChain: creds.tls.cert, privateKey: creds.tls.key },
        // Pod IPs are dialled; the certificate is checked against the name every server certificate carries.
        grpcOptions: { "grpc.ssl_target_name_override": creds.tls.servername, "grpc.default_authority": creds.tls.servername }
      },
      ...creds.auth && { auth: { ...creds.auth, callOptions: () => ({ deadline: new Date(Date.now() + callTimeoutMs) }) } }
    }), hosts, callTimeoutMs, creds);
    authNotEnabled = (err) => /authentication is not enabled/i.test(String(err?.message));
    hexId = (id) => BigInt(id).toString(16);
    wireMemberName = (m) => m.name || nameFromPeerURL(m.peerURLs[0] ?? "");
  }
});

// activities/etcd-auth.ts
import { ApplicationFailure as ApplicationFailure6 } from "@temporalio/activity";
async function authEnabledOf(etcd, hosts, callTimeoutMs) {
  return etcd.authOn ?? authStatus(hosts, etcd.creds, callTimeoutMs);
}
async function rootLogsIn(hosts, tls, password, callTimeoutMs) {
  try {
    await withEtcd(hosts, (x) => x.auth.authStatus(), callTimeoutMs, { tls: tls.tls, auth: { username: ROOT, password } });
    return true;
  } catch (err) {
    if (wrongPassword(err)) return false;
    throw err;
  }
}
async function authStatusOf(etcd, hosts, callTimeoutMs) {
  const on = await authEnabledOf(etcd, hosts, callTimeoutMs);
  if (on === void 0) throw ApplicationFailure6.retryable("cannot tell whether authentication is on: etcd does not answer", "NotYet");
  return on;
}
function authActivities({ kube, callTimeoutMs = 5e3 }) {
  async function cluster(key) {
    const c = await loadCluster(kube, key);
    if (!c) throw ApplicationFailure6.nonRetryable(`EtcdCluster ${key.namespace}/${key.name} no longer exists`, "ClusterGone");
    return c;
  }
  async function reach(key) {
    const etcd = await etcdAccess(kube, key);
    const eps = [...etcd.endpoints.values()];
    if (!eps.length) throw ApplicationFailure6.retryable("no member pod has an address", "NotYet");
    return { etcd, eps };
  }
  return {
    /** The root password Secret: spec.auth.rootSecret or <cluster>-root, created with a random password if absent. */
    async ensureRootSecret(key) {
      const c = await cluster(key);
      const name = rootSecretName(key.name, c.spec.auth);
      const did = await ensurePasswordSecret(kube, c.ref, name);
      await readPassword(kube, key.namespace, name, "spec.auth.rootSecret");
      return { secret: name, created: did === "created" };
    },
    /**
     * Root role and user (password from the Secret), then auth on. On already: root's password made
     * the Secret's (logging in with the one recorded as etcd's) -> 'rotated', or nothing to do. The
     * password etcd has is recorded after each change, so a retry logs in with the right one.
     */
    async enableAuth(key) {
      const c = await cluster(key);
      const name = rootSecretName(key.name, c.spec.auth);
      const password = await readPassword(kube, key.namespace, name, "spec.auth.rootSecret");
      if (!password) throw ApplicationFailure6.retryable(`Secret ${key.namespace}/${name} does not exist yet`, "NotYet");
      const { etcd, eps } = await reach(key);
      const on = await authStatusOf(etcd, eps, callTimeoutMs);
      const applied = await readPassword(kube, key.namespace, appliedRootSecretName(key.name), "root password");
      if (on) {
        if (await rootLogsIn(eps, etcd.creds, password, callTimeoutMs)) {
          if (applied !== password) await recordAppliedRootPassword(kube, c.ref, password);
          return "already";
        }
        if (applied === void 0 || applied === password) {
          throw ApplicationFailure6.nonRetryable(`root cannot log in with the password in Secret ${key.namespace}/${name}, and the one etcd has is not known to the operator: put etcd's root password back into that Secret (a change made there afterwards is applied)`, "RootPasswordUnknown");
        }
        await withEtcd(eps, (x) => x.auth.userChangePassword({ name: ROOT, password }), callTimeoutMs, { tls: etcd.creds.tls, auth: { username: ROOT, password: applied } });
        await recordAppliedRootPassword(kube, c.ref, password);
        return "rotated";
      }
      const did = await withEtcd(eps, async (x) => {
        try {
          await x.auth.roleAdd({ name: ROOT });
        } catch (err) {
          if (!alreadyExists(err)) throw err;
        }
        try {
          await x.auth.userAdd({ name: ROOT, password });
        } catch (err) {
          if (!alreadyExists(err)) throw err;
          await x.auth.userChangePassword({ name: ROOT, password });
        }
        await x.auth.userGrantRole({ user: ROOT, role: ROOT });
        await x.auth.authEnable();
        return "enabled";
      }, callTimeoutMs, { tls: etcd.creds.tls });
      await recordAppliedRootPassword(kube, c.ref, password);
      return did;
    },
    /** Auth off, as root. Off already: nothing to do. */
    async disableAuth(key) {
      const { etcd, eps } = await reach(key);
      const on = await authStatusOf(etcd, eps, callTimeoutMs);
      if (!on) return "already";
      await etcd.withRoot(eps, (x) => x.auth.authDisable(), callTimeoutMs);
      return "disabled";
    }
  };
}
var alreadyExists, notFound, wrongPassword;
var init_etcd_auth = __esm({
  "activities/etcd-auth.ts"() {
    "use strict";
    init_etcd_client();
    init_kube_cluster();
    init_root_secret();
    alreadyExists = (err) => /already exists/i.test(err.message);
    notFound = (err) => /not found/i.test(err.message);
    wrongPassword = (err) => /authentication failed|invalid user ID or password/i.test(String(err?.message));
  }
});

// activities/cluster-observe.ts
import { AlarmAction, AlarmType } from "etcd3";
async function memberList(etcd, endpoints, linearizable, timeoutMs) {
  if (!endpoints.length) return void 0;
  try {
    return await Promise.any(endpoints.map((ep) => etcd.with(ep, async (c) => (await c.cluster.memberList({ linearizable })).members, timeoutMs)));
  } catch {
    return void 0;
  }
}
async function alarmsOf(etcd, endpoints, wire, timeoutMs) {
  try {
    const res = await Promise.any(endpoints.map((ep) => etcd.with(ep, (c) => c.maintenance.alarm({ action: AlarmAction.Get, memberID: "0", alarm: AlarmType.None }), timeoutMs)));
    const names = new Map(wire.map((m) => [m.ID, wireMemberName(m)]));
    return (res.alarms ?? []).map((a) => ({ member: names.get(a.memberID) ?? hexId(a.memberID), alarm: alarmName(a.alarm) })).sort((a, b) => a.member.localeCompare(b.member) || a.alarm.localeCompare(b.alarm));
  } catch {
    return [];
  }
}
function observePod(p) {
  const cs = p.status?.containerStatuses?.find((c) => c.name === ETCD_CONTAINER);
  const container = p.spec?.containers?.find((c) => c.name === ETCD_CONTAINER);
  const waiting = cs?.state?.waiting?.reason;
  const exitedBadly = (cs?.state?.terminated?.exitCode ?? 0) !== 0 || !cs?.ready && (cs?.lastState?.terminated?.exitCode ?? 0) !== 0;
  return {
    name: p.metadata.name,
    uid: p.metadata.uid ?? "",
    phase: p.status?.phase ?? "Unknown",
    ready: Boolean(p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")),
    terminating: Boolean(p.metadata?.deletionTimestamp),
    restarts: cs?.restartCount ?? 0,
    crashLooping: waiting === "CrashLoopBackOff" || waiting === "Error" || exitedBadly,
    ...p.metadata?.annotations?.[POD_TEMPLATE_HASH] && { templateHash: p.metadata.annotations[POD_TEMPLATE_HASH] },
    ...container?.image && { image: container.image }
  };
}
function observeActivities({ kube, callTimeoutMs = 2500 }) {
  return {
    async observeCluster(key) {
      const [etcd, pvcs] = await Promise.all([
        etcdAccess(kube, key),
        kube.core.listNamespacedPersistentVolumeClaim({ namespace: key.namespace, labelSelector: selectorString(key.name) }).then((l) => l.items.filter((v) => belongsTo(v.metadata, key.uid)))
      ]);
      const { cluster: obj, pods, endpoints } = etcd;
      const eps = [...endpoints.values()];
      let wire = await memberList(etcd, eps, true, callTimeoutMs);
      const quorum2 = wire !== void 0;
      wire ??= await memberList(etcd, eps, false, callTimeoutMs);
      const members = await Promise.all((wire ?? []).map(async (m) => {
        const peerURL2 = m.peerURLs[0] ?? "";
        const name = wireMemberName(m);
        const base = { name, id: hexId(m.ID), peerURL: peerURL2, learner: Boolean(m.isLearner), started: m.clientURLs.length > 0 };
        const ep = endpoints.get(name);
        if (!ep) return { ...base, healthy: false, leader: false };
        try {
          const s = await etcd.with(ep, (c) => c.maintenance.status(), callTimeoutMs);
          const healthy = s.leader !== "0" && (s.errors ?? []).filter((e) => !/alarm:\s*NOSPACE/i.test(e)).length === 0;
          return { ...base, healthy, leader: s.leader === m.ID, version: s.version, appliedIndex: Number(s.raftAppliedIndex ?? s.raftIndex) };
        } catch {
          return { ...base, healthy: false, leader: false };
        }
      }));
      const alarms = quorum2 ? await alarmsOf(etcd, eps, wire ?? [], callTimeoutMs) : [];
      const authEnabled = quorum2 ? await authEnabledOf(etcd, eps, callTimeoutMs) : void 0;
      const volumeMember = (v) => v.metadata?.labels?.[LABELS.member] ?? "";
      const live = pvcs.filter((v) => !v.metadata?.deletionTimestamp && v.metadata?.labels?.[LABELS.removed] !== "true");
      const indexes = [...pods.map((p) => p.metadata.name), ...pvcs.map(volumeMember), ...members.map((m) => m.name)].map((n) => memberIndex(key.name, n)).filter((i) => i !== void 0);
      return {
        reachable: wire !== void 0,
        quorum: quorum2,
        members: members.sort((a, b) => a.name.localeCompare(b.name)),
        pods: pods.map(observePod).sort((a, b) => a.name.localeCompare(b.name)),
        volumes: live.map(volumeMember).filter(Boolean).sort(),
        highestIndex: Math.max(-1, ...indexes),
        bootstrapped: obj?.metadata.annotations?.[BOOTSTRAPPED_ANNOTATION] === "true",
        ...alarms.length && { alarms },
        ...authEnabled !== void 0 && { authEnabled },
        ...authEnabled && etcd.rootPasswordChanged && { rootPasswordChanged: true }
      };
    },
    /** Marks the EtcdCluster as bootstrapped: no member of it may ever start as `new` again. */
    async markBootstrapped(key) {
      const obj = await fetchCluster(kube, key);
      if (!obj || obj.metadata.annotations?.[BOOTSTRAPPED_ANNOTATION] === "true") return;
      await kube.patchCluster(key.namespace, key.name, { metadata: { annotations: { [BOOTSTRAPPED_ANNOTATION]: "true" } } });
    }
  };
}
var alarmName;
var init_cluster_observe = __esm({
  "activities/cluster-observe.ts"() {
    "use strict";
    init_api();
    init_owner();
    init_member_pod();
    init_reconcile_planner();
    init_etcd_client();
    init_kube_cluster();
    init_etcd_auth();
    alarmName = (a) => String(typeof a === "number" ? AlarmType[a] : a).toUpperCase();
  }
});

// activities/kube-members.ts
import { ApplicationFailure as ApplicationFailure7 } from "@temporalio/activity";
function neverStarted(pod) {
  const cs = pod.status?.containerStatuses?.find((c) => c.name === ETCD_CONTAINER);
  return !cs || !cs.state?.running && !cs.state?.terminated && !cs.lastState?.running && !cs.lastState?.terminated && (cs.restartCount ?? 0) === 0;
}
function memberActivities({ kube, defaultRepository }) {
  async function load(key) {
    const c = await loadCluster(kube, key);
    if (!c) throw ApplicationFailure7.nonRetryable(`EtcdCluster ${key.namespace}/${key.name} no longer exists`, "ClusterGone");
    return c;
  }
  return {
    async applyServices(key) {
      const { ref } = await load(key);
      await kube.apply(headlessService(ref));
      await kube.apply(clientService(ref));
      await kube.apply(podDisruptionBudget(ref));
      await kube.apply(networkPolicy(ref));
    },
    /** The PodDisruptionBudget for the voters etcd has now (it follows every membership change). */
    async applyDisruptionBudget(key, voters) {
      const { ref } = await load(key);
      await kube.apply(podDisruptionBudget(ref, Math.max(1, voters)));
    },
    /**
     * Creates the member's PVC and Pod. A Pod that already exists is left as it is: its flags
     * only matter at first start, and etcd ignores them once its data dir holds data, so a retry
     * can never re-bootstrap a member. A failed (evicted, completed) pod is deleted first. Only
     * Create, before the cluster ever formed, may start a member as `new`.
     */
    async applyMember(key, plan2) {
      const { obj, ref, spec } = await load(key);
      if (plan2.state === "new" && obj.metadata.annotations?.[BOOTSTRAPPED_ANNOTATION] === "true") {
        throw ApplicationFailure7.nonRetryable(`${plan2.member} cannot start as a new cluster member: the cluster bootstrapped already`, "AlreadyBootstrapped");
      }
      if (!spec.storage.emptyDir) {
        const claim = await kube.read(header("v1", "PersistentVolumeClaim", key.namespace, pvcName(plan2.member)));
        if (claim && !belongsTo(claim.metadata, key.uid)) {
          throw ApplicationFailure7.nonRetryable(`PersistentVolumeClaim ${pvcName(plan2.member)} belongs to another cluster: delete it or rename this one`, "VolumeConflict");
        }
        if (!claim && plan2.requireVolume) throw ApplicationFailure7.nonRetryable(`the volume of ${plan2.member} is gone: the member must be replaced, not restarted`, "VolumeGone");
        if (claim?.metadata?.deletionTimestamp) throw ApplicationFailure7.retryable(`the volume of ${plan2.member} is being deleted`, "NotYet");
        await kube.apply(memberPVC(ref, plan2.member));
      }
      const existing = await kube.read(header("v1", "Pod", key.namespace, plan2.member));
      if (existing && !belongsTo(existing.metadata, key.uid)) {
        throw ApplicationFailure7.nonRetryable(`Pod ${plan2.member} belongs to another cluster`, "PodConflict");
      }
      if (existing?.metadata?.deletionTimestamp) throw ApplicationFailure7.retryable(`pod ${plan2.member} is still terminating`, "NotYet");
      if (existing && (existing.status?.phase === "Failed" || existing.status?.phase === "Succeeded")) {
        await kube.delete(header("v1", "Pod", key.namespace, plan2.member));
        throw ApplicationFailure7.retryable(`pod ${plan2.member} had ${existing.status.phase}: deleted, creating it again`, "NotYet");
      }
      const image = imageFor(spec, defaultRepository);
      if (existing && neverStarted(existing) && podOutdated(observePod(existing), { podTemplateHash: podTemplateHash(ref, image), image })) {
        await kube.delete(header("v1", "Pod", key.namespace, plan2.member));
        throw ApplicationFailure7.retryable(`pod ${plan2.member} never started and the spec changed since it was made: re-creating it`, "NotYet");
      }
      if (existing) return "exists";
      await kube.apply(memberPod({
        cluster: ref,
        member: plan2.member,
        initialCluster: initialCluster(key.name, key.namespace, plan2.initialMembers, Boolean(spec.tls)),
        initialClusterState: plan2.state,
        image
      }));
      return "created";
    },
    /** Deletes a removed member's pod (this cluster's only); gone already is success. */
    async deleteMemberPod(key, member) {
      const pod = await kube.read(header("v1", "Pod", key.namespace, member));
      if (!pod || !belongsTo(pod.metadata, key.uid)) return false;
      return kube.delete(header("v1", "Pod", key.namespace, member));
    },
    /** Poll: the member's pod is gone. */
    async waitMemberPodGone(key, member) {
      const pod = await kube.read(header("v1", "Pod", key.namespace, member));
      if (pod && belongsTo(pod.metadata, key.uid)) throw ApplicationFailure7.retryable(`pod ${member} still terminating`, "NotYet");
    },
    /**
     * A removed member's volume: deleted, or with `retain` kept, released from the cluster and
     * marked as a removed member's (never a member's data again, its name never reused).
     */
    async releaseMemberVolume(key, member, retain) {
      const h = header("v1", "PersistentVolumeClaim", key.namespace, pvcName(member));
      const claim = await kube.read(h);
      if (!claim || !belongsTo(claim.metadata, key.uid)) return "absent";
      if (!retain) return await kube.delete(h) ? "deleted" : "absent";
      await kube.mergePatch(h, { metadata: { name: h.metadata.name, namespace: key.namespace, ownerReferences: null, labels: { [LABELS.removed]: "true" } } });
      return "kept";
    },
    /** Deletes every member pod, the Services, the PDB and the NetworkPolicy of this cluster's uid; "not found" is success. */
    async deleteClusterObjects(key) {
      const pods = await clusterPods(kube, key);
      for (const p of pods) await kube.delete(header("v1", "Pod", key.namespace, p.metadata.name));
      for (const h of [
        header("v1", "Service", key.namespace, headlessServiceName(key.name)),
        header("v1", "Service", key.namespace, clientServiceName(key.name)),
        header("policy/v1", "PodDisruptionBudget", key.namespace, pdbName(key.name)),
        header("networking.k8s.io/v1", "NetworkPolicy", key.namespace, networkPolicyName(key.name))
      ]) {
        const o = await kube.read(h);
        if (o && belongsTo(o.metadata, key.uid)) await kube.delete(h);
      }
      return pods.length;
    },
    /** Poll: fails (to be retried) while member pods still exist. */
    async waitPodsGone(key) {
      const left = await clusterPods(kube, key);
      if (left.length) throw ApplicationFailure7.retryable(`${left.length} member pods still terminating`, "NotYet");
    },
    /** This cluster's PVCs (by uid: a namesake's kept volumes are not ours): deleted, or (retainOnDelete) kept and released. */
    async releaseVolumes(key, retain) {
      const pvcs = (await kube.core.listNamespacedPersistentVolumeClaim({ namespace: key.namespace, labelSelector: selectorString(key.name) })).items.filter((v) => belongsTo(v.metadata, key.uid));
      const out = { deleted: [], kept: [] };
      for (const pvc of pvcs) {
        const name = pvc.metadata.name;
        const h = header("v1", "PersistentVolumeClaim", key.namespace, name);
        if (retain) {
          await kube.mergePatch(h, { metadata: { name, namespace: key.namespace, ownerReferences: null } });
          out.kept.push(name);
        } else {
          await kube.delete(h);
          out.deleted.push(name);
        }
      }
      return out;
    }
  };
}
var header;
var init_kube_members = __esm({
  "activities/kube-members.ts"() {
    "use strict";
    init_api();
    init_cluster_spec();
    init_initial_cluster();
    init_member_pod();
    init_member_pvc();
    init_owner();
    init_pdb();
    init_services();
    init_network_policy();
    init_reconcile_planner();
    init_cluster_observe();
    init_etcd_client();
    init_kube_cluster();
    header = (apiVersion, kind, namespace, name) => ({ apiVersion, kind, metadata: { namespace, name } });
  }
});

// activities/etcd-health.ts
import { ApplicationFailure as ApplicationFailure8 } from "@temporalio/activity";
function imagePullProblem(pod) {
  const cs = pod.status?.containerStatuses?.find((c) => /ImagePullBackOff|InvalidImageName|ErrImageNeverPull/.test(c.state?.waiting?.reason ?? ""));
  return cs && `member ${pod.metadata?.name} cannot start: image ${cs.image} cannot be pulled (${cs.state.waiting.reason}${cs.state.waiting.message ? `: ${cs.state.waiting.message}` : ""})`;
}
function etcdActivities({ kube, callTimeoutMs = 5e3 }) {
  async function observe(key, access) {
    const etcd = access ?? await etcdAccess(kube, key);
    const { endpoints } = etcd;
    const client = (hosts) => etcd.client(hosts, callTimeoutMs);
    if (!endpoints.size) return [];
    const c = client([...endpoints.values()]);
    try {
      const { members } = await c.cluster.memberList({ linearizable: true });
      return await Promise.all(members.map(async (m) => {
        const base = { name: m.name || "", id: hexId(m.ID), peerURL: m.peerURLs[0] ?? "", clientURL: m.clientURLs[0] ?? "", learner: Boolean(m.isLearner) };
        const ep = endpoints.get(m.name);
        if (!ep) return { ...base, leader: false, healthy: false };
        const one = client([ep]);
        try {
          const s = await one.maintenance.status();
          return { ...base, leader: s.leader === m.ID, version: s.version, healthy: true };
        } catch {
          return { ...base, leader: false, healthy: false };
        } finally {
          one.close();
        }
      }));
    } finally {
      c.close();
    }
  }
  return {
    observeMembers: (key) => observe(key),
    /**
     * Poll: succeeds when the membership is exactly `expected`, all voters, all healthy, and the
     * cluster answers a linearizable read; otherwise fails with what is missing (retried).
     */
    async checkClusterReady(key, expected) {
      const etcd = await etcdAccess(kube, key);
      const stuck = etcd.pods.map((p) => imagePullProblem(p)).find(Boolean);
      if (stuck) throw ApplicationFailure8.nonRetryable(`${stuck}: fix spec.version or spec.repository`, "ImagePull");
      let members;
      try {
        members = await observe(key, etcd);
      } catch (err) {
        throw ApplicationFailure8.retryable(`etcd not reachable yet: ${err.message}`, "NotYet");
      }
      const names = members.map((m) => m.name).sort();
      const want = [...expected].sort();
      if (names.join() !== want.join()) throw ApplicationFailure8.retryable(`members [${names}] != expected [${want}]`, "NotYet");
      const notReady = members.filter((m) => !m.healthy || m.learner);
      if (notReady.length) throw ApplicationFailure8.retryable(`not healthy voters yet: ${notReady.map((m) => m.name)}`, "NotYet");
      const c = etcd.client([...etcd.endpoints.values()], callTimeoutMs);
      try {
        await c.get("etcd-operator/linearizable-probe").string();
      } catch (err) {
        throw ApplicationFailure8.retryable(`linearizable read failed: ${err.message}`, "NotYet");
      } finally {
        c.close();
      }
      return members;
    }
  };
}
var init_etcd_health = __esm({
  "activities/etcd-health.ts"() {
    "use strict";
    init_etcd_client();
  }
});

// activities/kube-endpoints.ts
import { ApplicationFailure as ApplicationFailure9 } from "@temporalio/activity";
function endpointActivities({ kube }) {
  return {
    /** Poll: succeeds when every expected member is a ready endpoint of the client Service. */
    async checkClientEndpoints(key, expected) {
      const slices = await kube.listEndpointSlices(key.namespace, clientServiceName(key.name));
      const ready = new Set(slices.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready && e.targetRef?.kind === "Pod").map((e) => e.targetRef.name));
      const missing = expected.filter((m) => !ready.has(m));
      if (missing.length) throw ApplicationFailure9.retryable(`not ready endpoints of ${clientServiceName(key.name)} yet: ${missing}`, "NotYet");
      return [...ready].sort();
    }
  };
}
var init_kube_endpoints = __esm({
  "activities/kube-endpoints.ts"() {
    "use strict";
    init_api();
  }
});

// activities/etcd-membership.ts
import { ApplicationFailure as ApplicationFailure10 } from "@temporalio/activity";
function membershipActivities({ kube, callTimeoutMs = 5e3 }) {
  async function live(key) {
    const etcd = await etcdAccess(kube, key);
    const { endpoints } = etcd;
    if (!endpoints.size) throw notYet("no member pod has an address");
    try {
      return await etcd.with([...endpoints.values()], async (c) => {
        const { members } = await c.cluster.memberList({ linearizable: true });
        const status = await c.maintenance.status();
        return { etcd, endpoints, members, leaderId: status.leader };
      }, callTimeoutMs);
    } catch (err) {
      throw notYet(`etcd does not answer a linearizable member list: ${err.message}`);
    }
  }
  const find = (l, key, member) => l.members.find((m) => wireMemberName(m) === member || m.peerURLs.includes(peerURL(key.name, key.namespace, member, Boolean(l.etcd.creds.tls))));
  const statusOf = (l, ep) => ep ? l.etcd.with(ep, (c) => c.maintenance.status(), callTimeoutMs).catch(() => void 0) : Promise.resolve(void 0);
  async function healthyVoter(key, member) {
    const pod = (await etcdAccess(kube, key)).pods.find((p) => p.metadata?.name === member);
    const seen = pod && observePod(pod);
    if (seen && seen.crashLooping && !seen.ready && seen.restarts >= CRASH_LOOP_RESTARTS) {
      throw ApplicationFailure10.nonRetryable(`${member} is crash-looping (${seen.restarts} restarts): its data dir is unusable`, "MemberCrashLooping");
    }
    const l = await live(key);
    const m = find(l, key, member);
    if (!m) throw ApplicationFailure10.nonRetryable(`${member} is not an etcd member`, "NotAMember");
    if (m.isLearner) throw notYet(`${member} is still a learner`);
    const s = await statusOf(l, l.endpoints.get(member));
    if (!s || s.leader === "0") throw notYet(`${member} is not serving yet`);
    try {
      await l.etcd.with([...l.endpoints.values()], (c) => c.get("etcd-operator/linearizable-probe").string(), callTimeoutMs);
    } catch (err) {
      throw notYet(`linearizable read failed: ${err.message}`);
    }
    return { s };
  }
  return {
    /**
     * Adds `member` as a non-voting learner unless etcd already has it (a retry, or a crash after
     * the add). Returns its id and the names of every member, for the pod's --initial-cluster.
     */
    async addLearner(key, member) {
      const l = await live(key);
      let m = find(l, key, member);
      const added = !m;
      if (!m) {
        try {
          m = (await l.etcd.with([...l.endpoints.values()], (c) => c.cluster.memberAdd({ peerURLs: [peerURL(key.name, key.namespace, member, Boolean(l.etcd.creds.tls))], isLearner: true }), callTimeoutMs)).member;
        } catch (err) {
          throw notYet(`adding learner ${member}: ${err.message}`);
        }
      }
      const names = /* @__PURE__ */ new Set([...l.members.map(wireMemberName), member]);
      return { id: hexId(m.ID), initialMembers: [...names].filter(Boolean).sort(), added };
    },
    /** Poll: the learner's applied index is within 10% of the leader's (etcd's own bar for promotion), or it is a voter already. */
    async checkLearnerCaughtUp(key, member) {
      const l = await live(key);
      const m = find(l, key, member);
      if (!m) throw ApplicationFailure10.nonRetryable(`${member} is not an etcd member`, "NotAMember");
      if (!m.isLearner) return;
      const leader = l.members.find((x) => x.ID === l.leaderId);
      const [ls, ms] = await Promise.all([statusOf(l, leader && l.endpoints.get(wireMemberName(leader))), statusOf(l, l.endpoints.get(member))]);
      if (!ms) {
        if (l.etcd.authOn) return;
        throw notYet(`learner ${member} does not answer yet`);
      }
      if (!ls) throw notYet("the leader does not answer");
      const lead = Number(ls.raftAppliedIndex ?? ls.raftIndex);
      const mine = Number(ms.raftAppliedIndex ?? ms.raftIndex);
      if (mine < lead * 0.9) throw notYet(`learner ${member} at index ${mine}, leader at ${lead}`);
    },
    /** Makes the learner a voter; a voter already is success. etcd refuses while it lags: retried. */
    async promoteLearner(key, member) {
      const l = await live(key);
      const m = find(l, key, member);
      if (!m) throw ApplicationFailure10.nonRetryable(`${member} is not an etcd member`, "NotAMember");
      if (!m.isLearner) return;
      try {
        await l.etcd.with([...l.endpoints.values()], (c) => c.cluster.memberPromote({ ID: m.ID }), callTimeoutMs);
      } catch (err) {
        throw notYet(`promoting ${member}: ${err.message}`);
      }
    },
    /**
     * If `member` leads, hands leadership to the healthy voter furthest ahead (one of `prefer` if any), and returns its
     * name; a member that does not lead is left alone. The request goes to the leader itself.
     */
    async moveLeaderAway(key, member, prefer = []) {
      const l = await live(key);
      const m = find(l, key, member);
      if (!m || m.ID !== l.leaderId) return void 0;
      const others = l.members.filter((x) => !x.isLearner && x.ID !== m.ID);
      if (!others.length) return void 0;
      const candidates = await Promise.all(others.map(async (x) => ({ x, s: await statusOf(l, l.endpoints.get(wireMemberName(x))) })));
      const preferred = (c) => Number(prefer.includes(wireMemberName(c.x)));
      const target = candidates.filter((c) => c.s && c.s.leader !== "0").sort((a, b) => preferred(b) - preferred(a) || Number(b.s.raftAppliedIndex ?? 0) - Number(a.s.raftAppliedIndex ?? 0))[0];
      if (!target) throw notYet(`no healthy voter to take leadership from ${member}`);
      const ep = l.endpoints.get(member);
      if (!ep) throw notYet(`leader ${member} has no address`);
      try {
        await l.etcd.with(ep, (c) => c.maintenance.moveLeader({ targetID: target.x.ID }), callTimeoutMs);
      } catch (err) {
        throw notYet(`moving leadership from ${member} to ${wireMemberName(target.x)}: ${err.message}`);
      }
      return wireMemberName(target.x);
    },
    /**
     * Removes `member` from etcd; "not a member" is success. Refuses to remove the leader (move
     * leadership first) and to remove a voter when the rest would not keep a healthy majority.
     */
    async removeMember(key, member) {
      const l = await live(key);
      const m = find(l, key, member);
      if (!m) return "absent";
      if (m.ID === l.leaderId) throw ApplicationFailure10.retryable(`${member} leads the cluster: move leadership first`, "IsLeader");
      if (!m.isLearner) {
        const others = l.members.filter((x) => !x.isLearner && x.ID !== m.ID);
        const healthy = (await Promise.all(others.map((x) => statusOf(l, l.endpoints.get(wireMemberName(x)))))).filter((s) => s && s.leader !== "0").length;
        if (healthy < quorumOf(others.length)) {
          throw ApplicationFailure10.nonRetryable(`removing ${member} would lose quorum: ${healthy} of the other ${others.length} voters are healthy`, "UnsafeRemoval");
        }
      }
      try {
        await l.etcd.with([...l.endpoints.values()], (c) => c.cluster.memberRemove({ ID: m.ID }), callTimeoutMs);
      } catch (err) {
        if (/member not found/i.test(err.message)) return "absent";
        throw notYet(`removing ${member}: ${err.message}`);
      }
      return "removed";
    },
    /**
     * Poll: `member` is a healthy voter and the cluster answers a linearizable read. A member whose
     * pod crash-loops past the threshold will not get healthy by waiting: that ends the wait at once.
     */
    async checkMemberHealthy(key, member) {
      await healthyVoter(key, member);
    },
    /**
     * Poll: after a rolling restart, `member` runs its new pod (ready), is a healthy voter, and
     * reports the etcd version of that pod's image; the cluster answers a linearizable read.
     * Returns the version. A new pod that crash-loops or cannot pull its image fails at once.
     */
    async checkMemberUpdated(key, member) {
      const pod = (await etcdAccess(kube, key)).pods.find((p) => p.metadata?.name === member && !p.metadata.deletionTimestamp);
      if (!pod) throw notYet(`the new pod of ${member} does not exist yet`);
      const pull = imagePullProblem(pod);
      if (pull) throw ApplicationFailure10.nonRetryable(pull, "ImagePull");
      const { s } = await healthyVoter(key, member);
      const image = pod.spec?.containers.find((c) => c.name === ETCD_CONTAINER)?.image ?? "";
      const expected = /:v?([0-9]+\.[0-9]+\.[0-9]+)$/.exec(image)?.[1];
      if (expected && s.version !== expected) throw notYet(`${member} reports etcd ${s.version}, its image is ${expected}`);
      if (!observePod(pod).ready) throw notYet(`the new pod of ${member} is not ready yet`);
      return s.version;
    }
  };
}
var notYet;
var init_etcd_membership = __esm({
  "activities/etcd-membership.ts"() {
    "use strict";
    init_api();
    init_reconcile_planner();
    init_member_pod();
    init_cluster_observe();
    init_etcd_health();
    init_etcd_client();
    notYet = (message) => ApplicationFailure10.retryable(message, "NotYet");
  }
});

// activities/kube-errors.ts
import { ApiException as ApiException2 } from "@kubernetes/client-node";
import { ApplicationFailure as ApplicationFailure11 } from "@temporalio/activity";
function statusMessage(body) {
  try {
    const s = typeof body === "string" ? JSON.parse(body) : body;
    if (s?.message) return s.message;
  } catch {
  }
  return String(body ?? "").slice(0, 500);
}
function classifyKubeError(err) {
  if (!(err instanceof ApiException2) || !PERMANENT.has(err.code)) return err;
  const hint = err.code === 403 ? " (check the operator's RBAC: deploy/rbac/operator.yaml)" : "";
  return ApplicationFailure11.nonRetryable(`Kubernetes refused the request (HTTP ${err.code}): ${statusMessage(err.body)}${hint}`, `KubeHTTP${err.code}`);
}
function withKubeErrors(activities) {
  return Object.fromEntries(Object.entries(activities).map(([name, fn]) => [name, async (...args) => {
    try {
      return await fn(...args);
    } catch (err) {
      throw classifyKubeError(err);
    }
  }]));
}
var PERMANENT;
var init_kube_errors = __esm({
  "activities/kube-errors.ts"() {
    "use strict";
    PERMANENT = /* @__PURE__ */ new Set([400, 401, 403, 404, 405, 406, 413, 415, 422]);
  }
});

// k8s/manifests/backup-pods.ts
function snapshotReceiverPod(i) {
  const script = [
    "set -eu",
    'f="$BACKUP_MOUNT/$FILE"',
    'mkdir -p "$(dirname "$f")"',
    // -e: the socket is cat's stdin; a plain `nc -l` quits at once on the container's empty stdin.
    `nc -l -p "$PORT" -e sh -c 'cat > "$0"' "$f.part"`,
    'echo "$(sha256sum "$f.part" | cut -d" " -f1) $(wc -c < "$f.part")" > /dev/termination-log',
    'mv "$f.part" "$f"'
  ].join("\n");
  return podOf(helperMeta(i.namespace, i.name, "backup", i.owner), {
    containers: [{
      ...shell("receive", i.toolsImage, script, { BACKUP_MOUNT, FILE: i.file, PORT: String(HELPER_PORT) }, [{ name: "backup", mountPath: BACKUP_MOUNT }]),
      ports: [{ name: "snapshot", containerPort: HELPER_PORT, protocol: "TCP" }]
    }],
    volumes: [claimVolume("backup", i.claimName)]
  });
}
function fileRemoverPod(i) {
  return podOf(helperMeta(i.namespace, i.name, "backup-delete", i.owner), {
    containers: [shell("remove", i.toolsImage, 'rm -f "$BACKUP_MOUNT/$FILE" "$BACKUP_MOUNT/$FILE.part"', { BACKUP_MOUNT, FILE: i.file }, [{ name: "backup", mountPath: BACKUP_MOUNT }])],
    volumes: [claimVolume("backup", i.claimName)]
  });
}
function restorePod(i) {
  const fetch = "stream" in i.source ? `nc -l -p "$PORT" -e sh -c 'cat > "$0"' "$SNAPSHOT"` : 'cp "$BACKUP_MOUNT/$FILE" "$SNAPSHOT"';
  const script = [
    "set -eu",
    'rm -rf "$DATA_DIR" "$SNAPSHOT"',
    fetch,
    'got=$(sha256sum "$SNAPSHOT" | cut -d" " -f1)',
    'if [ "$got" != "$SHA256" ]; then echo "snapshot sha256 mismatch: expected $SHA256, got $got ($(wc -c < "$SNAPSHOT") bytes)" > /dev/termination-log; exit 3; fi'
  ].join("\n");
  const dataMount = [{ name: DATA_VOLUME, mountPath: DATA_MOUNT_PATH }];
  const env = { DATA_DIR, SNAPSHOT: RESTORE_FILE, SHA256: i.sha256, PORT: String(HELPER_PORT), BACKUP_MOUNT, ..."file" in i.source && { FILE: i.source.file } };
  const fetchContainer = {
    ...shell("fetch", i.toolsImage, script, env, "claimName" in i.source ? [...dataMount, { name: "backup", mountPath: BACKUP_MOUNT, readOnly: true }] : dataMount),
    ..."stream" in i.source && { ports: [{ name: "snapshot", containerPort: HELPER_PORT, protocol: "TCP" }] }
  };
  return podOf(helperMeta(i.namespace, i.name, "restore", i.owner), {
    initContainers: [
      fetchContainer,
      {
        name: "restore",
        image: i.etcdImage,
        imagePullPolicy: "IfNotPresent",
        command: [
          "/usr/local/bin/etcdutl",
          "snapshot",
          "restore",
          RESTORE_FILE,
          `--data-dir=${DATA_DIR}`,
          `--name=${i.member.name}`,
          `--initial-cluster=${i.member.initialCluster}`,
          `--initial-cluster-token=${i.member.token}`,
          `--initial-advertise-peer-urls=${i.member.peerURL}`
        ],
        volumeMounts: dataMount,
        securityContext: containerSecurityContext(),
        terminationMessagePolicy: "FallbackToLogsOnError"
      }
    ],
    containers: [shell("cleanup", i.toolsImage, 'rm -f "$SNAPSHOT"', { SNAPSHOT: RESTORE_FILE }, dataMount)],
    volumes: [claimVolume(DATA_VOLUME, i.dataClaim), ..."claimName" in i.source ? [claimVolume("backup", i.source.claimName, true)] : []]
  });
}
function imageCheckPod(i) {
  return podOf(helperMeta(i.namespace, i.name, "image-check", i.owner), {
    containers: [{ name: "etcd", image: i.image, imagePullPolicy: "IfNotPresent", command: ["/usr/local/bin/etcd", "--version"], securityContext: containerSecurityContext(), terminationMessagePolicy: "FallbackToLogsOnError" }],
    volumes: [],
    ...i.nodeSelector && { nodeSelector: i.nodeSelector },
    ...i.tolerations && { tolerations: i.tolerations }
  });
}
var HELPER_PORT, BACKUP_MOUNT, HELPER_LABEL, RESTORE_FILE, helperMeta, shell, podOf, claimVolume;
var init_backup_pods = __esm({
  "k8s/manifests/backup-pods.ts"() {
    "use strict";
    init_api();
    init_member_pod();
    init_security();
    HELPER_PORT = 2390;
    BACKUP_MOUNT = "/backup";
    HELPER_LABEL = `${GROUP}/helper`;
    RESTORE_FILE = `${DATA_MOUNT_PATH}/restore.db`;
    helperMeta = (namespace, name, role, owner) => ({
      name,
      namespace,
      // Not the member labels: a helper pod must never look like a member to Services or the observer.
      labels: { [LABELS.managedBy]: MANAGED_BY, [HELPER_LABEL]: role },
      ownerReferences: [owner]
    });
    shell = (name, image, script, env, mounts) => ({
      name,
      image,
      imagePullPolicy: "IfNotPresent",
      command: ["/bin/sh", "-c", script],
      env: Object.entries(env).map(([n, value]) => ({ name: n, value })),
      volumeMounts: mounts,
      securityContext: containerSecurityContext(),
      terminationMessagePolicy: "FallbackToLogsOnError"
    });
    podOf = (meta, spec) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: meta,
      spec: { restartPolicy: "Never", enableServiceLinks: false, automountServiceAccountToken: false, securityContext: podSecurityContext(), terminationGracePeriodSeconds: 5, ...spec }
    });
    claimVolume = (name, claimName, readOnly = false) => ({ name, persistentVolumeClaim: { claimName, readOnly } });
  }
});

// activities/backup-s3.ts
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  S3Client,
  S3ServiceException
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { ApplicationFailure as ApplicationFailure12 } from "@temporalio/activity";
function parseS3Location(location) {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
  return m ? { bucket: m[1], key: m[2] } : void 0;
}
async function s3ClientFor(kube, namespace, access) {
  let secret;
  try {
    secret = await kube.core.readNamespacedSecret({ namespace, name: access.credentialsSecret });
  } catch (err) {
    if (isNotFound(err)) throw ApplicationFailure12.nonRetryable(`S3 credentials Secret ${namespace}/${access.credentialsSecret} not found`, "CredentialsMissing");
    throw err;
  }
  const value = (k) => {
    const v = secret.data?.[k];
    return v ? Buffer.from(v, "base64").toString("utf8") : void 0;
  };
  const accessKeyId = value("accessKeyId");
  const secretAccessKey = value("secretAccessKey");
  if (!accessKeyId || !secretAccessKey) {
    const missing = [!accessKeyId && "accessKeyId", !secretAccessKey && "secretAccessKey"].filter(Boolean).join(" and ");
    throw ApplicationFailure12.nonRetryable(`S3 credentials Secret ${namespace}/${access.credentialsSecret} has no ${missing}`, "CredentialsInvalid");
  }
  return new S3Client({
    credentials: { accessKeyId, secretAccessKey },
    region: access.region ?? process.env.AWS_REGION ?? "us-east-1",
    endpoint: access.endpoint ?? process.env.AWS_ENDPOINT_URL_S3,
    forcePathStyle: access.forcePathStyle ?? Boolean(access.endpoint ?? process.env.AWS_ENDPOINT_URL_S3),
    // One retry per request inside an activity: the activity's own retry policy decides the rest.
    maxAttempts: 2,
    // The snapshot's SHA-256 is computed and checked end to end; per-part CRCs would only cost CPU.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED"
  });
}
function s3Failure(err, bucket, key) {
  if (!(err instanceof S3ServiceException)) return err;
  const where = key ? `s3://${bucket}/${key}` : `bucket ${bucket}`;
  const permanent = {
    NoSuchBucket: `${where}: the bucket does not exist`,
    NoSuchKey: `${where}: no such object`,
    NotFound: `${where}: not found`,
    AccessDenied: `${where}: access denied with the given credentials`,
    InvalidAccessKeyId: `${where}: the access key is not known to the server`,
    SignatureDoesNotMatch: `${where}: the secret access key is wrong`
  };
  const msg = permanent[err.name];
  return msg ? ApplicationFailure12.nonRetryable(msg, `S3${err.name}`) : err;
}
async function uploadStream(s3, bucket, key, body) {
  try {
    const stale = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key }));
    for (const u of stale.Uploads ?? []) {
      if (u.Key === key && u.UploadId) await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: u.UploadId }));
    }
    const upload = new Upload({ client: s3, params: { Bucket: bucket, Key: key, Body: body, ContentType: "application/octet-stream" }, partSize: 16 * 1024 * 1024, queueSize: 4, leavePartsOnError: false });
    await upload.done();
  } catch (err) {
    throw s3Failure(err, bucket, key);
  }
}
async function readObject(s3, bucket, key) {
  try {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return got.Body;
  } catch (err) {
    throw s3Failure(err, bucket, key);
  }
}
async function deleteObject(s3, bucket, key) {
  try {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  } catch (err) {
    if (err instanceof S3ServiceException && err.name === "NoSuchKey") return;
    throw s3Failure(err, bucket, key);
  }
}
var s3Location;
var init_backup_s3 = __esm({
  "activities/backup-s3.ts"() {
    "use strict";
    init_kube_client();
    s3Location = (bucket, key) => `s3://${bucket}/${key}`;
  }
});

// activities/etcd-snapshot.ts
import { createHash as createHash3 } from "node:crypto";
import { Transform } from "node:stream";
import { ApplicationFailure as ApplicationFailure13 } from "@temporalio/activity";
async function pickSnapshotMember(kube, key, callTimeoutMs = 3e3) {
  const etcd = await etcdAccess(kube, key);
  const { endpoints, creds } = etcd;
  if (!endpoints.size) throw ApplicationFailure13.retryable(`EtcdCluster ${key.namespace}/${key.name} has no running member to snapshot`, "NoMember");
  const answers = await Promise.all([...endpoints].map(async ([member, endpoint]) => {
    try {
      const s = await etcd.with(endpoint, (c) => c.maintenance.status(), callTimeoutMs);
      return { member, endpoint, creds, revision: Number(s.header.revision), version: s.version };
    } catch {
      return void 0;
    }
  }));
  const best = answers.filter((a) => a !== void 0).sort((a, b) => b.revision - a.revision)[0];
  if (!best) throw ApplicationFailure13.retryable(`no member of ${key.namespace}/${key.name} answers`, "NoMember");
  return best;
}
async function openSnapshot(source, onChunk = () => {
}) {
  const client = etcdClient(source.endpoint, 5e3, source.creds, true);
  const rpc = await client.maintenance.snapshot();
  const hash = createHash3("sha256");
  let sizeBytes = 0;
  let revision;
  let sha256;
  const bytes = new Transform({
    readableObjectMode: false,
    writableObjectMode: true,
    transform(msg, _enc, done) {
      if (revision === void 0 && msg.header?.revision !== void 0) revision = Number(msg.header.revision);
      const blob = msg.blob;
      hash.update(blob);
      const before = sizeBytes;
      sizeBytes += blob.length;
      if (Math.floor(before / MiB) !== Math.floor(sizeBytes / MiB)) onChunk(sizeBytes);
      done(null, blob);
    },
    flush(done) {
      sha256 = hash.digest("hex");
      done();
    }
  });
  bytes.on("error", () => {
  });
  rpc.on("error", (err) => bytes.destroy(err));
  rpc.pipe(bytes);
  return {
    bytes,
    revision: () => revision,
    digest: () => ({ sizeBytes, sha256: sha256 ?? "" }),
    // A stream cut short must fail its reader (an upload then aborts), never look like a complete snapshot.
    close: () => {
      if (!bytes.writableFinished) bytes.destroy(new Error("snapshot stream closed before its end"));
      rpc.destroy();
      client.close();
    }
  };
}
var MiB;
var init_etcd_snapshot = __esm({
  "activities/etcd-snapshot.ts"() {
    "use strict";
    init_etcd_client();
    MiB = 1024 * 1024;
  }
});

// activities/helper-pods.ts
import { connect } from "node:net";
import { pipeline } from "node:stream/promises";
import { ApplicationFailure as ApplicationFailure14, heartbeat, sleep as sleep2 } from "@temporalio/activity";
async function readPod(kube, namespace, name) {
  return kube.read({ apiVersion: "v1", kind: "Pod", metadata: { namespace, name } });
}
async function deleteHelperPod(kube, namespace, name) {
  await kube.delete({ apiVersion: "v1", kind: "Pod", metadata: { namespace, name } }, "Background");
  while (await readPod(kube, namespace, name)) {
    heartbeat({ step: `deleting pod ${name}` });
    await sleep2(POLL_MS);
  }
}
function podFailure(pod) {
  const statuses = [...pod.status?.initContainerStatuses ?? [], ...pod.status?.containerStatuses ?? []];
  const failed = statuses.find((s) => (s.state?.terminated?.exitCode ?? 0) !== 0);
  const waiting = statuses.find((s) => s.state?.waiting?.reason && /Err|BackOff|Invalid/.test(s.state.waiting.reason));
  if (failed) return `${failed.name}: ${(failed.state?.terminated?.message ?? failed.state?.terminated?.reason ?? "failed").trim()}`;
  if (waiting) return `${waiting.name}: ${waiting.state?.waiting?.reason}: ${waiting.state?.waiting?.message ?? ""}`.trim();
  return pod.status?.message ?? pod.status?.reason ?? "failed";
}
async function waitPodDone(kube, namespace, name, what) {
  for (; ; ) {
    const pod = await readPod(kube, namespace, name);
    if (!pod) throw ApplicationFailure14.retryable(`${what}: pod ${name} disappeared`, "HelperPodGone");
    if (pod.status?.phase === "Succeeded") return pod;
    if (pod.status?.phase === "Failed") throw ApplicationFailure14.retryable(`${what} failed: ${podFailure(pod)}`, "HelperPodFailed");
    const stuck = [...pod.status?.initContainerStatuses ?? [], ...pod.status?.containerStatuses ?? []].find((s) => /ErrImagePull|ImagePullBackOff|InvalidImageName/.test(s.state?.waiting?.reason ?? ""));
    if (stuck) throw ApplicationFailure14.nonRetryable(`${what}: image ${stuck.image} cannot be pulled (${stuck.state?.waiting?.reason})`, "ImagePull");
    heartbeat({ step: `${what}: pod ${name} ${pod.status?.phase ?? "Pending"}` });
    await sleep2(POLL_MS);
  }
}
async function waitListening(kube, namespace, name, what) {
  for (; ; ) {
    const pod = await readPod(kube, namespace, name);
    if (!pod) throw ApplicationFailure14.retryable(`${what}: pod ${name} disappeared`, "HelperPodGone");
    if (pod.status?.phase === "Failed" || pod.status?.phase === "Succeeded") throw ApplicationFailure14.retryable(`${what}: pod ${name} ended before receiving (${podFailure(pod)})`, "HelperPodFailed");
    const running = [...pod.status?.initContainerStatuses ?? [], ...pod.status?.containerStatuses ?? []].some((s) => s.state?.running);
    if (running && pod.status?.podIP) return pod.status.podIP;
    heartbeat({ step: `${what}: waiting for pod ${name}` });
    await sleep2(POLL_MS);
  }
}
async function pushToPod(kube, namespace, name, open, what) {
  const ip = await waitListening(kube, namespace, name, what);
  for (let attempt = 1; ; attempt++) {
    const socket = connect({ host: ip, port: HELPER_PORT });
    try {
      await new Promise((resolve, reject) => {
        socket.once("connect", resolve);
        socket.once("error", reject);
      });
    } catch (err) {
      socket.destroy();
      if (attempt >= 30) throw err;
      heartbeat({ step: `${what}: connecting to ${name}` });
      await sleep2(POLL_MS);
      continue;
    }
    const closed = new Promise((resolve) => socket.once("close", () => resolve()));
    let body;
    try {
      body = typeof open === "function" ? await open() : open;
    } catch (err) {
      socket.destroy();
      throw err;
    }
    await pipeline(body, socket);
    await closed;
    return;
  }
}
async function ensurePod(kube, pod) {
  const existing = await readPod(kube, pod.metadata.namespace, pod.metadata.name);
  if (existing) return existing;
  return await kube.core.createNamespacedPod({ namespace: pod.metadata.namespace, body: pod });
}
var POLL_MS;
var init_helper_pods = __esm({
  "activities/helper-pods.ts"() {
    "use strict";
    init_backup_pods();
    POLL_MS = 1e3;
  }
});

// activities/backup.ts
import { ApplicationFailure as ApplicationFailure15, Context, heartbeat as heartbeat2 } from "@temporalio/activity";
function parsePvcLocation(location) {
  const m = /^pvc:\/\/([^/]+)\/(.+)$/.exec(location);
  return m ? { claimName: m[1], file: m[2] } : void 0;
}
function locationFor(destination, file) {
  if (destination.s3) return s3Location(destination.s3.bucket, joinPath(destination.s3.prefix, file));
  if (destination.pvc) return pvcLocation(destination.pvc.claimName, joinPath(destination.pvc.path, file));
  return void 0;
}
async function clusterOf(kube, key, clusterName) {
  const c = await kube.getCluster(key.namespace, clusterName);
  if (!c?.metadata.uid) throw ApplicationFailure15.nonRetryable(`EtcdCluster ${key.namespace}/${clusterName} does not exist`, "ClusterNotFound");
  return { namespace: key.namespace, name: clusterName, uid: c.metadata.uid };
}
function backupActivities({ kube, toolsImage, now }) {
  const rfc33392 = () => now().toISOString().replace(/\.\d{3}Z$/, "Z");
  return {
    /** The backup's cluster and whether it is done already (a retried workflow skips a finished backup). */
    async readBackup(key) {
      const b = await resolveBackup(kube, key);
      if (!b) return void 0;
      if (!b.status.destination && !b.deleting) await patchBackup(kube, key, { status: { destination: b.destination } }, true);
      if (b.deleting) return { cluster: { namespace: key.namespace, name: b.clusterName, uid: "" }, phase: b.status.phase, deleting: true, retainOnDelete: b.retainOnDelete, location: b.status.location };
      const cluster = await clusterOf(kube, key, b.clusterName);
      if (b.labels[BACKUP_LABELS.clusterUid] !== cluster.uid) {
        await patchBackup(kube, key, { metadata: { labels: { [BACKUP_LABELS.cluster]: cluster.name, [BACKUP_LABELS.clusterUid]: cluster.uid } } });
      }
      return { cluster, phase: b.status.phase, deleting: false, retainOnDelete: b.retainOnDelete, location: b.status.location };
    },
    async ensureBackupFinalizer(key) {
      const obj = await getBackup(kube, key);
      if (!obj || obj.metadata.deletionTimestamp || obj.metadata.finalizers?.includes(FINALIZER)) return;
      await patchBackup(kube, key, { metadata: { finalizers: [...obj.metadata.finalizers ?? [], FINALIZER], resourceVersion: obj.metadata.resourceVersion } });
    },
    async removeBackupFinalizer(key) {
      const obj = await getBackup(kube, key);
      if (!obj?.metadata.finalizers?.includes(FINALIZER)) return;
      await patchBackup(kube, key, { metadata: { finalizers: obj.metadata.finalizers.filter((f) => f !== FINALIZER), resourceVersion: obj.metadata.resourceVersion } });
    },
    /** Sets status fields; the Succeeded condition follows the phase. */
    async reportBackup(key, status) {
      const obj = await getBackup(kube, key);
      if (!obj) return;
      const { message, ...fields } = status;
      const cond = status.phase && {
        type: "Succeeded",
        status: status.phase === "Succeeded" ? "True" : status.phase === "Failed" ? "False" : "Unknown",
        reason: status.phase === "Succeeded" ? "SnapshotStored" : status.phase === "Failed" ? "BackupFailed" : "BackupRunning",
        ...message && { message },
        lastTransitionTime: rfc33392()
      };
      await patchBackup(kube, key, { status: { ...fields, ...status.phase === "Running" && !obj.status?.startedAt && { startedAt: rfc33392() }, ...(status.phase === "Succeeded" || status.phase === "Failed") && { completedAt: rfc33392() }, ...cond && { conditions: [cond] } } }, true);
    },
    async recordBackupEvent(key, e) {
      await kube.createEvent(eventAbout({ ...backupRef(key), namespace: key.namespace }, e, now()));
    },
    /**
     * Streams a snapshot from the member with the highest revision to the backup's destination,
     * heartbeating the bytes sent. S3: one multipart upload to a key fixed per backup. PVC: into a
     * receiver pod that mounts the claim; the SHA-256 it computes must equal ours.
     */
    async takeSnapshot(key) {
      const b = await resolveBackup(kube, key);
      if (!b) throw ApplicationFailure15.nonRetryable(`EtcdBackup ${key.namespace}/${key.name} is gone`, "BackupGone");
      const cluster = await clusterOf(kube, key, b.clusterName);
      const source = await pickSnapshotMember(kube, cluster);
      const location = locationFor(b.destination, snapshotFileName(key, cluster.name));
      if (!location) throw ApplicationFailure15.nonRetryable(`EtcdBackup ${key.namespace}/${key.name} has no destination`, "NoDestination");
      const beat = (sent) => heartbeat2({ member: source.member, sentBytes: sent });
      const snap = await openSnapshot(source, beat);
      const cancel = () => snap.close();
      Context.current().cancellationSignal.addEventListener("abort", cancel);
      try {
        const s3loc = parseS3Location(location);
        if (s3loc) {
          const s3 = await s3ClientFor(kube, key.namespace, b.destination.s3);
          try {
            await uploadStream(s3, s3loc.bucket, s3loc.key, snap.bytes);
          } finally {
            s3.destroy();
          }
        } else {
          const { claimName, file } = parsePvcLocation(location);
          const name = helperPodName(key, "receive");
          await deleteHelperPod(kube, key.namespace, name);
          await ensurePod(kube, snapshotReceiverPod({ namespace: key.namespace, name, owner: backupRef(key), claimName, file, toolsImage }));
          await pushToPod(kube, key.namespace, name, snap.bytes, "snapshot receiver");
          const pod = await waitPodDone(kube, key.namespace, name, "snapshot receiver");
          const [theirSha, theirSize] = (pod.status?.containerStatuses?.[0]?.state?.terminated?.message ?? "").trim().split(" ");
          const ours = snap.digest();
          await deleteHelperPod(kube, key.namespace, name);
          if (theirSha !== ours.sha256 || Number(theirSize) !== ours.sizeBytes) {
            throw ApplicationFailure15.retryable(`the volume received ${theirSize ?? "?"} bytes with sha256 ${theirSha ?? "?"}, sent ${ours.sizeBytes} bytes with sha256 ${ours.sha256}`, "SnapshotMismatch");
          }
        }
        const { sizeBytes, sha256 } = snap.digest();
        if (!sizeBytes) throw ApplicationFailure15.retryable("the snapshot stream was empty", "EmptySnapshot");
        return { location, sizeBytes, sha256, revision: snap.revision() ?? source.revision, etcdVersion: source.version, member: source.member };
      } finally {
        Context.current().cancellationSignal.removeEventListener("abort", cancel);
        snap.close();
      }
    },
    /**
     * Where this backup's snapshot is or would be: the recorded location, else the one its destination
     * fixes (a backup deleted while it ran may have stored it without recording it).
     */
    async snapshotLocation(key) {
      const b = await resolveBackup(kube, key);
      if (!b) return void 0;
      return b.status.location ?? locationFor(b.destination, snapshotFileName(key, b.clusterName));
    },
    /** Deletes the stored snapshot of a backup; one already gone is success. */
    async deleteStoredSnapshot(key, location) {
      const s3loc = parseS3Location(location);
      if (s3loc) {
        const b = await resolveBackup(kube, key);
        const access = b?.destination.s3;
        if (!access) throw ApplicationFailure15.nonRetryable(`cannot delete ${location}: the backup names no S3 credentials`, "NoDestination");
        const s3 = await s3ClientFor(kube, key.namespace, access);
        try {
          await deleteObject(s3, s3loc.bucket, s3loc.key);
        } finally {
          s3.destroy();
        }
        return;
      }
      const pvc = parsePvcLocation(location);
      if (!pvc) throw ApplicationFailure15.nonRetryable(`unknown snapshot location ${location}`, "BadLocation");
      const name = helperPodName(key, "delete");
      await ensurePod(kube, fileRemoverPod({ namespace: key.namespace, name, owner: backupRef(key), claimName: pvc.claimName, file: pvc.file, toolsImage }));
      await waitPodDone(kube, key.namespace, name, "snapshot removal");
      await deleteHelperPod(kube, key.namespace, name);
    }
  };
}
var shortUid, snapshotFileName, joinPath, pvcLocation, helperPodName;
var init_backup = __esm({
  "activities/backup.ts"() {
    "use strict";
    init_api();
    init_backup_pods();
    init_backup_s3();
    init_etcd_snapshot();
    init_helper_pods();
    init_kube_backups();
    init_kube_status();
    shortUid = (uid) => uid.slice(0, 8);
    snapshotFileName = (key, cluster) => `${key.namespace}/${cluster}/${key.name}-${shortUid(key.uid)}.db`;
    joinPath = (...parts) => parts.filter(Boolean).map((p) => p.replace(/^\/+|\/+$/g, "")).filter(Boolean).join("/");
    pvcLocation = (claim, file) => `pvc://${claim}/${file}`;
    helperPodName = (key, what) => `etcdbackup-${shortUid(key.uid)}-${what}`;
  }
});

// activities/backup-catalog.ts
import { ApplicationFailure as ApplicationFailure16, heartbeat as heartbeat3 } from "@temporalio/activity";
async function createClusterBackup(kube, key, name, labels, whose) {
  const body = {
    apiVersion: API_VERSION,
    kind: ETCD_BACKUP.kind,
    metadata: { name, namespace: key.namespace, labels: { [BACKUP_LABELS.cluster]: key.name, [BACKUP_LABELS.clusterUid]: key.uid, ...labels } },
    spec: { clusterName: key.name }
  };
  try {
    const made = await kube.custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: key.namespace, plural: ETCD_BACKUP.plural, body });
    return keyOf(made);
  } catch (err) {
    if (!isConflict(err)) throw err;
    const existing = await getBackup(kube, { namespace: key.namespace, name });
    if (!existing || existing.metadata.labels?.[BACKUP_LABELS.clusterUid] !== key.uid) {
      throw ApplicationFailure16.nonRetryable(`EtcdBackup ${key.namespace}/${name} exists and is not ${whose}`, "NameTaken");
    }
    return keyOf(existing);
  }
}
function catalogActivities({ kube }) {
  return {
    /** Creates the EtcdBackup of one scheduled run; the same run (a retry) finds the one it made. */
    async createScheduledBackup(key, runName) {
      return createClusterBackup(kube, key, runName, { [BACKUP_LABELS.scheduled]: "true" }, "this schedule's");
    },
    /** Poll: done once the backup is Succeeded or Failed (or gone); otherwise retried. */
    async checkBackupDone(key) {
      const b = await getBackup(kube, key);
      if (!b) return { phase: "Gone" };
      const phase = b.status?.phase;
      if (phase === "Succeeded" || phase === "Failed") return { phase, message: b.status?.conditions?.find((c) => c.type === "Succeeded")?.message };
      throw ApplicationFailure16.retryable(`backup ${key.name} is ${phase ?? "Pending"}`, "NotYet");
    },
    /**
     * Keeps the newest spec.backup.retention Succeeded backups the schedule made and deletes the older ones (their
     * finalizer deletes the stored snapshots). Failed runs older than the oldest kept go too.
     * Backups a user made are never touched. Returns the names deleted.
     */
    async applyRetention(key) {
      const c = await fetchCluster(kube, key);
      const v = c ? validateClusterSpec(c.spec) : void 0;
      const keep = v?.ok ? v.spec.backup?.retention : void 0;
      if (keep === void 0) return [];
      const mine = (await listBackups(kube, key.namespace, `${BACKUP_LABELS.clusterUid}=${key.uid},${BACKUP_LABELS.scheduled}=true`)).sort(newestFirst);
      const good = mine.filter((b) => b.status?.phase === "Succeeded");
      const kept = new Set(good.slice(0, keep).map((b) => b.metadata.uid));
      const oldestKept = good[Math.min(keep, good.length) - 1];
      const doomed = mine.filter((b) => !kept.has(b.metadata.uid) && !b.metadata.deletionTimestamp && (b.status?.phase === "Succeeded" || b.status?.phase === "Failed" && oldestKept !== void 0 && created(b) <= created(oldestKept)));
      for (const b of doomed) {
        heartbeat3(b.metadata.name);
        await kube.delete({ apiVersion: API_VERSION, kind: ETCD_BACKUP.kind, metadata: { namespace: key.namespace, name: b.metadata.name } });
      }
      return doomed.map((b) => b.metadata.name);
    }
  };
}
var created, newestFirst, keyOf;
var init_backup_catalog = __esm({
  "activities/backup-catalog.ts"() {
    "use strict";
    init_api();
    init_cluster_spec();
    init_kube_client();
    init_kube_cluster();
    init_kube_backups();
    created = (b) => Date.parse(b.metadata.creationTimestamp ?? "") || 0;
    newestFirst = (a, b) => created(b) - created(a) || (b.metadata.name ?? "").localeCompare(a.metadata.name ?? "");
    keyOf = (b) => ({ namespace: b.metadata.namespace, name: b.metadata.name, uid: b.metadata.uid });
  }
});

// activities/backup-schedule.ts
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy } from "@temporalio/client";
import { ApplicationFailure as ApplicationFailure17 } from "@temporalio/activity";
function scheduleSpecOf(schedule) {
  const every = /^@every ([0-9]+[smhd])$/.exec(schedule);
  return every ? { intervals: [{ every: every[1] }] } : { cronExpressions: [schedule] };
}
function scheduleActivities({ kube, temporal, taskQueue }) {
  return {
    /**
     * Makes the Schedule match spec.backup: created, updated (schedule changed) or deleted (unset,
     * or the cluster is gone). Returns what it did.
     */
    async syncBackupSchedule(key) {
      const obj = await fetchCluster(kube, key);
      const v = obj && !obj.metadata.deletionTimestamp ? validateClusterSpec(obj.spec) : void 0;
      const backup = v?.ok ? v.spec.backup : void 0;
      const client = await temporal();
      const handle = client.schedule.getHandle(backupScheduleId(key));
      if (!backup) {
        try {
          await handle.delete();
          return "deleted";
        } catch (err) {
          if (err instanceof ScheduleNotFoundError) return "none";
          throw err;
        }
      }
      const spec = scheduleSpecOf(backup.schedule);
      let outcome = "created";
      const action = {
        type: "startWorkflow",
        workflowType: "scheduledBackupWorkflow",
        workflowId: scheduledBackupWorkflowIdPrefix(key),
        taskQueue,
        args: [{ key }],
        typedSearchAttributes: clusterSearchAttributes(key, "ScheduledBackup")
      };
      try {
        const current = await handle.describe();
        if (current.memo?.schedule === backup.schedule) return "unchanged";
        await handle.delete();
        outcome = "updated";
      } catch (err) {
        if (!(err instanceof ScheduleNotFoundError)) throw err;
      }
      try {
        await client.schedule.create({
          scheduleId: backupScheduleId(key),
          spec,
          action,
          // A run due while the previous one still runs waits for it; missed runs within a day are taken.
          policies: { overlap: ScheduleOverlapPolicy.BUFFER_ONE, catchupWindow: "1 day" },
          memo: { cluster: `${key.namespace}/${key.name}`, schedule: backup.schedule }
        });
      } catch (err) {
        if (err instanceof ScheduleAlreadyRunning) return outcome;
        throw ApplicationFailure17.nonRetryable(`cannot create the backup schedule for spec.backup.schedule "${backup.schedule}": ${err.message}`, "BadSchedule");
      }
      return outcome;
    }
  };
}
var init_backup_schedule = __esm({
  "activities/backup-schedule.ts"() {
    "use strict";
    init_cluster_spec();
    init_ids();
    init_search_attributes();
    init_kube_cluster();
  }
});

// activities/restore.ts
import { createHash as createHash4 } from "node:crypto";
import { Transform as Transform2 } from "node:stream";
import { pipeline as pipeline2 } from "node:stream/promises";
import { ApplicationFailure as ApplicationFailure18, Context as Context2, heartbeat as heartbeat4 } from "@temporalio/activity";
function versionSkew(from, to) {
  if (!from) return void 0;
  if (major(from) !== major(to)) return `the backup is of etcd ${from}, another major version than the cluster's ${to}`;
  const [fm, tm] = [Number(minorOf(from).split(".")[1]), Number(minorOf(to).split(".")[1])];
  if (fm > tm) return `the backup is of etcd ${from}, newer than the cluster's ${to} (etcd does not support downgrades)`;
  return void 0;
}
function sourceOf(b) {
  const s = b.status;
  if (s?.phase !== "Succeeded" || !s.location || !s.sha256 || s.sizeBytes === void 0) return void 0;
  const dest = s.destination ?? b.spec?.destination;
  return { location: s.location, sha256: s.sha256, backupName: b.metadata.name, revision: s.revision ?? 0, etcdVersion: s.etcdVersion ?? "", sizeBytes: s.sizeBytes, ...dest?.s3 && { s3: stripPrefix(dest.s3) } };
}
function checkedAgainst(version, source) {
  const skew = versionSkew(source.etcdVersion, version);
  if (skew) throw ApplicationFailure18.nonRetryable(`cannot restore: ${skew}`, "VersionSkew");
  return source;
}
function restoreActivities({ kube, toolsImage, defaultRepository }) {
  const sourceFromBackup = async (namespace, name) => {
    const b = await getBackup(kube, { namespace, name });
    if (!b) throw ApplicationFailure18.nonRetryable(`EtcdBackup ${namespace}/${name} not found`, "BackupNotFound");
    const source = sourceOf(b);
    if (!source) throw ApplicationFailure18.nonRetryable(`EtcdBackup ${namespace}/${name} is ${b.status?.phase ?? "Pending"}, not Succeeded: nothing to restore`, "BackupNotReady");
    return source;
  };
  return {
    /** The snapshot spec.bootstrap.backup names, checked against the cluster's version. */
    async resolveBootstrapSource(key) {
      const c = await loadCluster(kube, key);
      if (!c) throw ApplicationFailure18.nonRetryable(`EtcdCluster ${key.namespace}/${key.name} is gone`, "ClusterGone");
      const src = c.spec.bootstrap?.backup;
      if (!src) throw ApplicationFailure18.nonRetryable("spec.bootstrap.backup is not set", "InvalidSpec");
      let source;
      if (src.name) {
        source = await sourceFromBackup(key.namespace, src.name);
      } else {
        const s3 = src.s3;
        const location = s3Location(s3.bucket, s3.key);
        const known = (await listBackups(kube, key.namespace)).find((b) => b.status?.location === location && b.status.phase === "Succeeded");
        const sha256 = s3.sha256 ?? known?.status?.sha256;
        if (!sha256) throw ApplicationFailure18.nonRetryable(`no SHA-256 known for ${location}: set spec.bootstrap.backup.s3.sha256 (or restore by EtcdBackup name)`, "NoChecksum");
        const { key: _k, sha256: _s, ...access } = s3;
        source = { location, sha256, s3: access, ...known?.status?.etcdVersion && { etcdVersion: known.status.etcdVersion, revision: known.status.revision } };
      }
      return checkedAgainst(c.spec.version, source);
    },
    /** The newest Succeeded backup of this cluster (by uid), checked against its version: what a recovery restores. */
    async latestBackupSource(key) {
      const c = await loadCluster(kube, key);
      if (!c) throw ApplicationFailure18.nonRetryable(`EtcdCluster ${key.namespace}/${key.name} is gone`, "ClusterGone");
      if (c.spec.storage.emptyDir) {
        throw ApplicationFailure18.nonRetryable("cannot recover in place: spec.storage.emptyDir members cannot be restored onto a volume; create a new cluster with spec.bootstrap.backup from the latest backup", "EmptyDir");
      }
      const completed = (b) => b.status?.completedAt ?? "";
      const newest = (await listBackups(kube, key.namespace)).filter((b) => backupOfCluster(b, key) && !b.metadata.deletionTimestamp).sort((a, b) => completed(b).localeCompare(completed(a))).map(sourceOf).find((source) => source !== void 0);
      if (!newest) throw ApplicationFailure18.nonRetryable(`no Succeeded EtcdBackup of ${key.namespace}/${key.name}: nothing to restore from (take backups with spec.backup or etcdop backup)`, "NoBackup");
      return checkedAgainst(c.spec.version, newest);
    },
    /**
     * Reads the stored snapshot once and checks its SHA-256 before any member is touched. A PVC
     * source is checked by each restore pod before it restores (reading a volume needs a pod).
     */
    async verifySnapshot(key, source) {
      const loc = parseS3Location(source.location);
      if (!loc) return { sizeBytes: source.sizeBytes ?? 0 };
      if (!source.s3) throw ApplicationFailure18.nonRetryable(`no credentials known for ${source.location}`, "NoDestination");
      const s3 = await s3ClientFor(kube, key.namespace, source.s3);
      try {
        const body = await readObject(s3, loc.bucket, loc.key);
        const hash = createHash4("sha256");
        let size = 0;
        await pipeline2(body, new Transform2({ transform(chunk, _e, done) {
          hash.update(chunk);
          size += chunk.length;
          heartbeat4({ readBytes: size });
          done();
        } }), { signal: Context2.current().cancellationSignal });
        const got = hash.digest("hex");
        if (got !== source.sha256) throw ApplicationFailure18.nonRetryable(`snapshot ${source.location} is corrupt or truncated: sha256 ${got} (${size} bytes), expected ${source.sha256}`, "ChecksumMismatch");
        return { sizeBytes: size };
      } finally {
        s3.destroy();
      }
    },
    /**
     * Restores the snapshot onto `member`'s volume (created here) as a member of `initialMembers`.
     * Skips a volume already restored from this snapshot; otherwise runs the restore pod again from scratch.
     */
    async restoreMemberVolume(key, plan2) {
      const c = await loadCluster(kube, key);
      if (!c) throw ApplicationFailure18.nonRetryable(`EtcdCluster ${key.namespace}/${key.name} is gone`, "ClusterGone");
      const claimHeader = { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { namespace: key.namespace, name: pvcName(plan2.member) } };
      const claim = await kube.read(claimHeader);
      if (claim?.metadata?.annotations?.[RESTORED_ANNOTATION] === plan2.source.sha256) return "already";
      if (claim && !belongsTo(claim.metadata, key.uid)) {
        throw ApplicationFailure18.nonRetryable(`PersistentVolumeClaim ${pvcName(plan2.member)} belongs to another cluster`, "VolumeConflict");
      }
      await kube.apply(memberPVC(c.ref, plan2.member));
      const name = `${plan2.member}-restore`;
      const existing = await kube.read({ apiVersion: "v1", kind: "Pod", metadata: { namespace: key.namespace, name } });
      if (existing?.status?.phase !== "Succeeded") {
        if (existing) await deleteHelperPod(kube, key.namespace, name);
        const pvc = parsePvcLocation(plan2.source.location);
        await ensurePod(kube, restorePod({
          namespace: key.namespace,
          name,
          owner: ownerReference(c.ref),
          dataClaim: pvcName(plan2.member),
          source: pvc ? { claimName: pvc.claimName, file: pvc.file } : { stream: true },
          sha256: plan2.source.sha256,
          toolsImage,
          etcdImage: imageFor(c.spec, defaultRepository),
          member: { name: plan2.member, initialCluster: initialCluster(key.name, key.namespace, plan2.initialMembers, Boolean(c.spec.tls)), token: key.uid, peerURL: peerURL(key.name, key.namespace, plan2.member, Boolean(c.spec.tls)) }
        }));
        if (!pvc) {
          const loc = parseS3Location(plan2.source.location);
          if (!loc || !plan2.source.s3) throw ApplicationFailure18.nonRetryable(`cannot read ${plan2.source.location}`, "BadLocation");
          const s3 = await s3ClientFor(kube, key.namespace, plan2.source.s3);
          try {
            await pushToPod(kube, key.namespace, name, () => readObject(s3, loc.bucket, loc.key), `restore of ${plan2.member}`);
          } finally {
            s3.destroy();
          }
        }
        try {
          await waitPodDone(kube, key.namespace, name, `restore of ${plan2.member}`);
        } catch (err) {
          if (pvc && /sha256 mismatch/.test(err.message)) throw ApplicationFailure18.nonRetryable(err.message, "ChecksumMismatch");
          throw err;
        }
      }
      await kube.mergePatch(claimHeader, { metadata: { ...claimHeader.metadata, annotations: { [RESTORED_ANNOTATION]: plan2.source.sha256 } } });
      await deleteHelperPod(kube, key.namespace, name);
      return "restored";
    }
  };
}
function stripPrefix(d) {
  const { prefix: _p, ...access } = d;
  return access;
}
var RESTORED_ANNOTATION, major;
var init_restore = __esm({
  "activities/restore.ts"() {
    "use strict";
    init_api();
    init_cluster_spec();
    init_backup_pods();
    init_initial_cluster();
    init_member_pvc();
    init_owner();
    init_api();
    init_backup_s3();
    init_backup();
    init_helper_pods();
    init_kube_backups();
    init_kube_cluster();
    RESTORED_ANNOTATION = `${GROUP}/restored-sha256`;
    major = (v) => v.split(".")[0];
  }
});

// k8s/upgrade-path.ts
function upgradePathProblem(running, desired) {
  const versions = [...new Set(running)].sort(compareVersions);
  if (!versions.length) return void 0;
  const lowest = versions[0];
  const highest = versions[versions.length - 1];
  if (majorOf(desired) !== majorOf(lowest) || majorOf(desired) !== majorOf(highest)) {
    return `etcd ${lowest} -> ${desired} changes the major version: not supported (etcd upgrades one minor version at a time)`;
  }
  if (minorNumber(desired) < minorNumber(highest)) {
    return `etcd ${highest} -> ${desired} is a downgrade of the minor version: not supported (a member already runs ${minorOf(highest)})`;
  }
  if (minorNumber(desired) > minorNumber(lowest) + 1) {
    return `etcd ${lowest} -> ${desired} skips a minor version: upgrade one minor version at a time (${minorOf(lowest)} -> ${majorOf(lowest)}.${minorNumber(lowest) + 1} first)`;
  }
  return void 0;
}
var majorOf, minorNumber;
var init_upgrade_path = __esm({
  "k8s/upgrade-path.ts"() {
    "use strict";
    init_versions();
    majorOf = (v) => Number(v.split(".")[0]);
    minorNumber = (v) => Number(v.split(".")[1]);
  }
});

// activities/rollout.ts
import { ApplicationFailure as ApplicationFailure19, heartbeat as heartbeat5 } from "@temporalio/activity";
function rolloutActivities({ kube, defaultRepository, callTimeoutMs = 5e3 }) {
  async function desired(key) {
    const c = await loadCluster(kube, key);
    if (!c) throw ApplicationFailure19.nonRetryable(`EtcdCluster ${key.namespace}/${key.name} no longer exists`, "ClusterGone");
    const image = imageFor(c.spec, defaultRepository);
    return { ...c, image, hash: podTemplateHash(c.ref, image) };
  }
  const memberPodOf = async (key, member) => {
    const pod = await kube.read(header2(key.namespace, member));
    return pod && belongsTo(pod.metadata, key.uid) ? pod : void 0;
  };
  return {
    /** Refuses (non-retryable, naming the rule) a version the running members cannot go to. */
    async checkUpgradePath(key) {
      const { spec } = await desired(key);
      const etcd = await etcdAccess(kube, key);
      const eps = [...etcd.endpoints.values()];
      const running = (await Promise.all(eps.map((ep) => etcd.with(ep, (c) => c.maintenance.status(), callTimeoutMs).then((s) => s.version, () => void 0)))).filter((v) => Boolean(v));
      if (running.length < eps.length) throw ApplicationFailure19.retryable(`${eps.length - running.length} of ${eps.length} members do not report their version yet`, "NotYet");
      const problem = upgradePathProblem(running, spec.version);
      if (problem) throw ApplicationFailure19.nonRetryable(`spec.version ${spec.version} refused: ${problem}`, "UpgradePath");
      return [...new Set(running)].sort();
    },
    /**
     * The new image exists: pulled (or found) on a node where members may run, and `etcd --version`
     * runs. Skipped when every member runs it already. Fails for good when it cannot be pulled, so
     * no member is stopped for an image that will never start.
     */
    async checkImagePulls(key) {
      const { ref, spec, image, hash } = await desired(key);
      const pods = await clusterPods(kube, key);
      if (pods.length && pods.every((p) => p.spec?.containers.find((c) => c.name === ETCD_CONTAINER)?.image === image)) return "present";
      const name = `${key.name}-image-check-${hash.slice(0, 8)}`;
      await ensurePod(kube, imageCheckPod({
        namespace: key.namespace,
        name,
        owner: ownerReference(ref),
        image,
        ...spec.pod.nodeSelector && { nodeSelector: spec.pod.nodeSelector },
        ...spec.pod.tolerations && { tolerations: spec.pod.tolerations }
      }));
      heartbeat5({ step: `pulling ${image}` });
      try {
        await waitPodDone(kube, key.namespace, name, `image check of ${image}`);
      } finally {
        await deleteHelperPod(kube, key.namespace, name);
      }
      return "pulled";
    },
    /**
     * The EtcdBackup an upgrade takes before restarting anything, to spec.backup.destination; its
     * name is fixed per cluster and target version, so a resumed upgrade finds it. Undefined when
     * the cluster has no backup destination (the upgrade goes on without one, with an Event).
     */
    async createUpgradeBackup(key, toVersion) {
      const { spec } = await desired(key);
      if (!spec.backup?.destination) return void 0;
      const name = `${key.name}-upgrade-${toVersion.replaceAll(".", "-")}-${key.uid.slice(0, 5)}`;
      return createClusterBackup(kube, key, name, { [BACKUP_LABELS.upgradeTo]: toVersion }, "this cluster's pre-upgrade backup");
    },
    /** Whether the member's pod differs from the one the spec makes now (a missing pod counts as outdated). */
    async memberPodOutdated(key, member) {
      const { image, hash } = await desired(key);
      const pod = await memberPodOf(key, member);
      if (!pod || pod.metadata?.deletionTimestamp) return true;
      return podOutdated(observePod(pod), { podTemplateHash: hash, image });
    },
    /** Deletes the member's pod only while it is outdated: a pod already made from the current spec is never restarted again. */
    async deleteOutdatedMemberPod(key, member) {
      const { image, hash } = await desired(key);
      const pod = await memberPodOf(key, member);
      if (!pod) return "absent";
      if (!pod.metadata?.deletionTimestamp && !podOutdated(observePod(pod), { podTemplateHash: hash, image })) return "current";
      await kube.delete(header2(key.namespace, member));
      return "deleted";
    }
  };
}
var header2;
var init_rollout = __esm({
  "activities/rollout.ts"() {
    "use strict";
    init_cluster_spec();
    init_member_pod();
    init_backup_pods();
    init_owner();
    init_upgrade_path();
    init_reconcile_planner();
    init_backup_catalog();
    init_cluster_observe();
    init_etcd_client();
    init_helper_pods();
    init_kube_backups();
    init_kube_cluster();
    header2 = (namespace, name) => ({ apiVersion: "v1", kind: "Pod", metadata: { namespace, name } });
  }
});

// activities/etcd-maintenance.ts
import { ApplicationFailure as ApplicationFailure20, heartbeat as heartbeat6 } from "@temporalio/activity";
import { AlarmAction as AlarmAction2, AlarmType as AlarmType2 } from "etcd3";
function maintenanceActivities({ kube, callTimeoutMs = 5e3, defragTimeoutMs = 10 * 6e4 }) {
  async function access(key) {
    const etcd = await etcdAccess(kube, key);
    if (!etcd.endpoints.size) throw notYet2("no member pod has an address");
    return { ...etcd, eps: etcd.endpoints };
  }
  return {
    /**
     * Defragments one member (it stops serving while it rewrites its backend file): returns its
     * database size before and after. Heartbeats while etcd works, so a lost worker is noticed.
     */
    async defragmentMember(key, member) {
      const etcd = await access(key);
      const ep = etcd.eps.get(member);
      if (!ep) throw notYet2(`${member} has no running pod`);
      const before = Number((await etcd.with(ep, (c) => c.maintenance.status(), callTimeoutMs)).dbSize);
      const beat = setInterval(() => heartbeat6({ member }), 2e3);
      try {
        await etcd.with(ep, (c) => c.maintenance.defragment(), defragTimeoutMs);
      } catch (err) {
        throw notYet2(`defragmenting ${member}: ${err.message}`);
      } finally {
        clearInterval(beat);
      }
      const after = Number((await etcd.with(ep, (c) => c.maintenance.status(), callTimeoutMs)).dbSize);
      return { before, after };
    },
    /** Compacts away every revision before the current one (physically, so defragmentation can free it). Returns the revision. */
    async compactToCurrent(key) {
      const etcd = await access(key);
      return etcd.with([...etcd.eps.values()], async (c) => {
        const revision = (await c.maintenance.status()).header.revision;
        try {
          await c.kv.compact({ revision, physical: true });
        } catch (err) {
          if (!/has been compacted/i.test(err.message)) throw notYet2(`compacting to ${revision}: ${err.message}`);
        }
        return Number(revision);
      }, callTimeoutMs);
    },
    /**
     * Disarms NOSPACE once every member's backend fits spec.options.quotaBackendBytes again; refuses
     * (non-retryable) when the live data itself does not fit: disarming then would only raise it again.
     */
    async disarmNoSpace(key) {
      const c = await loadCluster(kube, key);
      const quota = c?.spec.options.quotaBackendBytes || DEFAULT_QUOTA;
      const etcd = await access(key);
      const { eps } = etcd;
      for (const [member, ep] of eps) {
        const { dbSize } = await etcd.with(ep, (x) => x.maintenance.status(), callTimeoutMs);
        if (Number(dbSize) >= quota * 0.95) {
          throw ApplicationFailure20.nonRetryable(`${member} still holds ${MiB2(Number(dbSize))} after compaction and defragmentation, at spec.options.quotaBackendBytes (${MiB2(quota)}): raise the quota or delete keys; the NOSPACE alarm stays`, "QuotaTooSmall");
        }
      }
      return etcd.with([...eps.values()], async (x) => {
        const { alarms } = await x.maintenance.alarm({ action: AlarmAction2.Get, memberID: "0", alarm: AlarmType2.None });
        const noSpace = (alarms ?? []).filter((a) => alarmName(a.alarm) === "NOSPACE");
        for (const a of noSpace) await x.maintenance.alarm({ action: AlarmAction2.Deactivate, memberID: a.memberID, alarm: AlarmType2.Nospace });
        return noSpace.length;
      }, callTimeoutMs);
    }
  };
}
var DEFAULT_QUOTA, MiB2, notYet2;
var init_etcd_maintenance = __esm({
  "activities/etcd-maintenance.ts"() {
    "use strict";
    init_cluster_observe();
    init_etcd_client();
    init_kube_cluster();
    DEFAULT_QUOTA = 2 * 1024 ** 3;
    MiB2 = (n) => `${(n / 1024 ** 2).toFixed(1)} MiB`;
    notYet2 = (message) => ApplicationFailure20.retryable(message, "NotYet");
  }
});

// k8s/user-spec.ts
import { z as z4 } from "zod";
function permissionRange(p) {
  const key = Buffer.from(p.key);
  if (p.rangeEnd) return { key, rangeEnd: Buffer.from(p.rangeEnd) };
  if (!p.prefix) return { key, rangeEnd: Buffer.alloc(0) };
  const end = Buffer.from(key);
  end[end.length - 1] = end[end.length - 1] + 1;
  return { key, rangeEnd: end };
}
var STRING3, NAME, NAME_MSG2, etcdName, PERMISSION_TYPES, PermissionSchema, RoleSchema, EtcdUserSpecSchema, EtcdUserStatusSchema, defaultPasswordSecret, credentialsSecretName;
var init_user_spec = __esm({
  "k8s/user-spec.ts"() {
    "use strict";
    init_api();
    init_security_spec();
    STRING3 = { error: (iss) => iss.code === "invalid_type" ? "must be a string" : void 0 };
    NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]*$/;
    NAME_MSG2 = 'must be 1-128 letters, digits, ".", "_", "@" and "-", starting with a letter or digit';
    etcdName = (what) => z4.string(STRING3).min(1, { error: NAME_MSG2 }).max(128, { error: NAME_MSG2 }).regex(NAME, { error: NAME_MSG2 }).refine((n) => n !== "root", { error: `"root" is the operator's own ${what}: pick another name` });
    PERMISSION_TYPES = ["read", "write", "readwrite"];
    PermissionSchema = z4.object({
      type: z4.enum(PERMISSION_TYPES, { error: "must be read, write or readwrite" }).describe("read, write or readwrite."),
      key: z4.string(STRING3).min(1, { error: "must not be empty" }).max(1024).describe("The key, or the start of the range."),
      prefix: z4.boolean({ error: "must be true or false" }).default(false).describe("Every key that starts with key (etcdctl --prefix)."),
      rangeEnd: z4.string(STRING3).min(1).max(1024).optional().describe("End of the range [key, rangeEnd), exclusive; instead of prefix.")
    }).refine((p) => !(p.prefix && p.rangeEnd), { error: "set prefix or rangeEnd, not both", path: ["rangeEnd"] }).refine((p) => p.rangeEnd === void 0 || p.rangeEnd > p.key, { error: "rangeEnd must sort after key", path: ["rangeEnd"] });
    RoleSchema = z4.object({
      name: etcdName("role").describe("etcd role name; shared by every EtcdUser of the cluster that names it."),
      permissions: z4.array(PermissionSchema).max(64).default([]).describe("Key permissions the role grants (exactly these).")
    });
    EtcdUserSpecSchema = z4.object({
      clusterName: z4.string(STRING3).min(1).max(CLUSTER_NAME_MAX_LENGTH).describe("EtcdCluster in the same namespace. Immutable."),
      username: etcdName("user").describe("etcd user name. Immutable."),
      passwordSecret: secretName().optional().describe(`Secret whose key "password" is the user's password; default <name>-password, created with a random password if absent. Editing it changes the password.`),
      roles: z4.array(RoleSchema).max(16).default([]).describe("Roles granted to the user, each with its key permissions.")
    }).refine((s) => new Set(s.roles.map((r) => r.name)).size === s.roles.length, { error: "role names must be unique", path: ["roles"] }).describe("A user of an EtcdCluster.");
    EtcdUserStatusSchema = z4.object({
      conditions: z4.array(z4.object({
        type: z4.enum(["Ready"]).describe("Ready: True once the user, its roles and the credentials Secret match the spec."),
        status: z4.enum(["True", "False", "Unknown"]),
        reason: z4.string().min(1).max(1024).regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/),
        message: z4.string().max(32768).optional(),
        lastTransitionTime: z4.iso.datetime(),
        observedGeneration: z4.int().min(0).optional()
      })).max(4).meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"] }).optional(),
      credentialsSecret: z4.string().max(253).optional().describe("Secret with endpoints, username, password (and ca.crt with TLS): what an application mounts."),
      observedGeneration: z4.int().min(0).optional(),
      workflowId: z4.string().max(1024).optional().describe("The Temporal workflow that manages this user.")
    }).describe("Observed state of the user.");
    defaultPasswordSecret = (user) => `${user}-password`;
    credentialsSecretName = (user) => `${user}-credentials`;
  }
});

// activities/etcd-users.ts
import { createHash as createHash5 } from "node:crypto";
import { PatchStrategy as PatchStrategy3, setHeaderOptions as setHeaderOptions3 } from "@kubernetes/client-node";
import { ApplicationFailure as ApplicationFailure21 } from "@temporalio/activity";
async function getUser(kube, key) {
  try {
    const obj = await kube.custom.getNamespacedCustomObject({ ...api2(key.namespace), name: key.name });
    return obj.metadata.uid === key.uid ? obj : void 0;
  } catch (err) {
    if (isNotFound(err)) return void 0;
    throw err;
  }
}
async function applyRole(c, name, perms) {
  try {
    await c.auth.roleAdd({ name });
  } catch (err) {
    if (!alreadyExists(err)) throw err;
  }
  const have = (await c.auth.roleGet({ role: name })).perm ?? [];
  const want = new Map(perms.map((p) => [permId(p), p]));
  for (const p of have) {
    if (!want.has(permId(p))) await c.auth.roleRevokePermission({ role: name, key: p.key, range_end: p.range_end });
  }
  const haveIds = new Set(have.map(permId));
  for (const [id, p] of want) {
    if (!haveIds.has(id)) await c.auth.roleGrantPermission({ name, perm: { permType: p.permType, key: p.key, range_end: p.rangeEnd } });
  }
}
function userActivities({ kube, now = () => /* @__PURE__ */ new Date(), callTimeoutMs = 5e3 }) {
  async function load(key) {
    const obj = await getUser(kube, key);
    if (!obj) throw ApplicationFailure21.nonRetryable(`EtcdUser ${key.namespace}/${key.name} no longer exists`, "UserGone");
    const parsed = EtcdUserSpecSchema.safeParse(obj.spec ?? {});
    if (!parsed.success) throw ApplicationFailure21.nonRetryable(`invalid EtcdUser spec: ${parsed.error.issues.map((i) => `spec.${i.path.join(".")}: ${i.message}`).join("; ")}`, "InvalidSpec");
    const cluster = await kube.getCluster(key.namespace, parsed.data.clusterName);
    if (!cluster?.metadata.uid) throw ApplicationFailure21.nonRetryable(`EtcdCluster ${key.namespace}/${parsed.data.clusterName} does not exist`, "ClusterNotFound");
    const v = validateClusterSpec(cluster.spec);
    const clusterKey = { namespace: key.namespace, name: parsed.data.clusterName, uid: cluster.metadata.uid };
    return { obj, spec: parsed.data, cluster: clusterKey, clusterSpec: v.ok ? v.spec : void 0 };
  }
  const patchStatus = (key, body) => kube.custom.patchNamespacedCustomObjectStatus({ ...api2(key.namespace), name: key.name, body }, setHeaderOptions3("Content-Type", PatchStrategy3.MergePatch));
  const ownerRef = (key) => ({ apiVersion: API_VERSION, kind: ETCD_USER.kind, name: key.name, uid: key.uid, controller: true, blockOwnerDeletion: true });
  return {
    async readEtcdUser(key) {
      const obj = await getUser(kube, key);
      if (!obj) return void 0;
      const generation = obj.metadata.generation ?? 0;
      const deleting = Boolean(obj.metadata.deletionTimestamp);
      const problem = (reason, message) => ({ generation, deleting, problem: { reason, message }, fingerprint: `${generation}|${reason}` });
      const parsed = EtcdUserSpecSchema.safeParse(obj.spec ?? {});
      if (!parsed.success) return problem("InvalidSpec", parsed.error.issues.map((i) => `spec.${i.path.join(".")}: ${i.message}`).join("; "));
      const spec = parsed.data;
      const cluster = await kube.getCluster(key.namespace, spec.clusterName);
      if (!cluster?.metadata.uid) return { ...problem("ClusterNotFound", `EtcdCluster ${key.namespace}/${spec.clusterName} does not exist`), deleting };
      const clusterKey = { namespace: key.namespace, name: spec.clusterName, uid: cluster.metadata.uid };
      const list = (await kube.custom.listNamespacedCustomObject(api2(key.namespace))).items;
      const rival = list.filter((u) => u.metadata.uid !== key.uid && !u.metadata.deletionTimestamp).filter((u) => {
        const s = u.spec;
        return s?.clusterName === spec.clusterName && s?.username === spec.username;
      }).find((u) => `${u.metadata.creationTimestamp}|${u.metadata.name}` < `${obj.metadata.creationTimestamp}|${obj.metadata.name}`);
      if (rival && !deleting) return { ...problem("DuplicateUsername", `username ${spec.username} of EtcdCluster ${spec.clusterName} is already managed by EtcdUser ${rival.metadata.name}`), cluster: clusterKey };
      const secret = await kube.core.readNamespacedSecret({ namespace: key.namespace, name: passwordSecretOf(key, spec) }).catch((err) => {
        if (isNotFound(err)) return void 0;
        throw err;
      });
      const fingerprint = createHash5("sha256").update(JSON.stringify([generation, secret?.metadata?.resourceVersion ?? "", clusterKey.uid, cluster.spec])).digest("hex").slice(0, 16);
      return { generation, deleting, cluster: clusterKey, fingerprint };
    },
    async ensureUserFinalizer(key) {
      const obj = await getUser(kube, key);
      if (!obj || obj.metadata.deletionTimestamp || obj.metadata.finalizers?.includes(FINALIZER)) return;
      await kube.custom.patchNamespacedCustomObject({ ...api2(key.namespace), name: key.name, body: { metadata: { finalizers: [...obj.metadata.finalizers ?? [], FINALIZER], resourceVersion: obj.metadata.resourceVersion } } }, setHeaderOptions3("Content-Type", PatchStrategy3.MergePatch));
    },
    async removeUserFinalizer(key) {
      const obj = await getUser(kube, key);
      if (!obj?.metadata.finalizers?.includes(FINALIZER)) return;
      await kube.custom.patchNamespacedCustomObject({ ...api2(key.namespace), name: key.name, body: { metadata: { finalizers: obj.metadata.finalizers.filter((f) => f !== FINALIZER), resourceVersion: obj.metadata.resourceVersion } } }, setHeaderOptions3("Content-Type", PatchStrategy3.MergePatch));
    },
    /** The password Secret: spec.passwordSecret or <name>-password, created with a random password if absent (owned by the EtcdUser only when made here). */
    async ensureUserPassword(key) {
      const { spec } = await load(key);
      const name = passwordSecretOf(key, spec);
      const body = { apiVersion: "v1", kind: "Secret", metadata: { name, namespace: key.namespace, ownerReferences: [ownerRef(key)] }, type: "Opaque", stringData: { [PASSWORD_KEY]: newPassword() } };
      let created2 = true;
      try {
        await kube.core.createNamespacedSecret({ namespace: key.namespace, body });
      } catch (err) {
        if (err.code !== 409) throw err;
        created2 = false;
      }
      await readPassword(kube, key.namespace, name, "spec.passwordSecret");
      return { secret: name, created: created2 };
    },
    /** In etcd: each role with exactly its permissions, the user with the Secret's password, granted exactly these roles. */
    async applyUserInEtcd(key) {
      const { spec, cluster } = await load(key);
      const password = await readPassword(kube, key.namespace, passwordSecretOf(key, spec), "spec.passwordSecret");
      if (!password) throw ApplicationFailure21.retryable("the password Secret does not exist yet", "NotYet");
      const etcd = await etcdAccess(kube, cluster);
      const eps = [...etcd.endpoints.values()];
      if (!eps.length) throw ApplicationFailure21.retryable(`EtcdCluster ${cluster.name} has no member to reach`, "NotYet");
      await etcd.with(eps, async (c) => {
        for (const role of spec.roles) await applyRole(c, role.name, wanted(role.permissions));
        try {
          await c.auth.userAdd({ name: spec.username, password });
        } catch (err) {
          if (!alreadyExists(err)) throw err;
          await c.auth.userChangePassword({ name: spec.username, password });
        }
        const have = (await c.auth.userGet({ name: spec.username })).roles ?? [];
        const want = spec.roles.map((r) => r.name);
        for (const r of have) if (!want.includes(r)) await c.auth.userRevokeRole({ name: spec.username, role: r });
        for (const r of want) if (!have.includes(r)) await c.auth.userGrantRole({ user: spec.username, role: r });
      }, callTimeoutMs);
      return { roles: spec.roles.map((r) => r.name), authOn: etcd.authOn === true };
    },
    /** The Secret an application mounts: endpoints, username, password, and ca.crt when the cluster has TLS. */
    async writeUserCredentials(key) {
      const { spec, cluster, clusterSpec } = await load(key);
      const password = await readPassword(kube, key.namespace, passwordSecretOf(key, spec), "spec.passwordSecret");
      if (!password) throw ApplicationFailure21.retryable("the password Secret does not exist yet", "NotYet");
      const tls = clusterSpec?.tls;
      const ca = tls ? (await readSecretText(kube, key.namespace, tlsSecretName(cluster.name, tls, "server")))?.["ca.crt"] : void 0;
      const name = credentialsSecretName(key.name);
      const data = {
        endpoints: `${tls ? "https" : "http"}://${clientServiceName(cluster.name)}.${key.namespace}.svc:${CLIENT_PORT}`,
        username: spec.username,
        password,
        ...ca && { "ca.crt": ca }
      };
      await kube.apply({
        apiVersion: "v1",
        kind: "Secret",
        type: "Opaque",
        metadata: { name, namespace: key.namespace, ownerReferences: [ownerRef(key)] },
        data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString("base64")]))
      });
      return name;
    },
    /** Deletes the user from etcd, and each of its roles no other EtcdUser of the cluster names. A cluster that is gone has nothing to delete. */
    async deleteUserFromEtcd(key) {
      const obj = await getUser(kube, key);
      const parsed = EtcdUserSpecSchema.safeParse(obj?.spec ?? {});
      if (!obj || !parsed.success) return { user: "", roles: [] };
      const spec = parsed.data;
      const cluster = await kube.getCluster(key.namespace, spec.clusterName);
      if (!cluster?.metadata.uid) return { user: "", roles: [] };
      const others = (await kube.custom.listNamespacedCustomObject(api2(key.namespace))).items.filter((u) => u.metadata.uid !== key.uid && u.spec?.clusterName === spec.clusterName);
      const shared = new Set(others.flatMap((u) => (u.spec.roles ?? []).map((r) => r.name)));
      const sameUser = others.some((u) => u.spec.username === spec.username);
      const etcd = await etcdAccess(kube, { namespace: key.namespace, name: spec.clusterName, uid: cluster.metadata.uid });
      const eps = [...etcd.endpoints.values()];
      if (!eps.length) throw ApplicationFailure21.retryable(`EtcdCluster ${spec.clusterName} has no member to reach`, "NotYet");
      const roles = spec.roles.map((r) => r.name).filter((r) => !shared.has(r));
      await etcd.with(eps, async (c) => {
        if (!sameUser) {
          try {
            await c.auth.userDelete({ name: spec.username });
          } catch (err) {
            if (!notFound(err)) throw err;
          }
        }
        for (const r of roles) {
          try {
            await c.auth.roleDelete({ role: r });
          } catch (err) {
            if (!notFound(err)) throw err;
          }
        }
      }, callTimeoutMs);
      return { user: sameUser ? "" : spec.username, roles };
    },
    async reportUser(key, r) {
      const obj = await getUser(kube, key);
      if (!obj || obj.metadata.deletionTimestamp) return;
      const old = obj.status?.conditions?.find((c) => c.type === "Ready");
      const status = r.ready ? "True" : "False";
      const t = now().toISOString().replace(/\.\d{3}Z$/, "Z");
      await patchStatus(key, {
        status: {
          conditions: [{ type: "Ready", status, reason: r.reason, message: r.message, observedGeneration: r.generation, lastTransitionTime: old?.status === status ? old.lastTransitionTime : t }],
          observedGeneration: r.generation,
          workflowId: r.workflowId,
          ...r.credentialsSecret && { credentialsSecret: r.credentialsSecret }
        }
      });
    },
    async recordUserEvent(key, e) {
      await kube.createEvent(eventAbout({ apiVersion: API_VERSION, kind: ETCD_USER.kind, name: key.name, namespace: key.namespace, uid: key.uid }, e, now()));
    }
  };
}
var api2, PERM, passwordSecretOf, wanted, permId;
var init_etcd_users = __esm({
  "activities/etcd-users.ts"() {
    "use strict";
    init_api();
    init_cluster_spec();
    init_user_spec();
    init_tls_names();
    init_etcd_auth();
    init_etcd_client();
    init_kube_client();
    init_kube_status();
    init_root_secret();
    init_secret_text();
    api2 = (namespace) => ({ group: GROUP, version: VERSION, namespace, plural: ETCD_USER.plural });
    PERM = { read: "Read", write: "Write", readwrite: "Readwrite" };
    passwordSecretOf = (key, spec) => spec.passwordSecret ?? defaultPasswordSecret(key.name);
    wanted = (perms) => perms.map((p) => ({ permType: PERM[p.type], ...permissionRange(p) }));
    permId = (p) => `${typeof p.permType === "number" ? ["Read", "Write", "Readwrite"][p.permType] : p.permType}|${p.key.toString("hex")}|${(p.rangeEnd ?? p.range_end ?? Buffer.alloc(0)).toString("hex")}`;
  }
});

// activities/index.ts
function createActivities({ kube, defaultRepository, toolsImage = DEFAULT_TOOLS_IMAGE, temporal = noTemporal, taskQueue = "etcd-operator", now = () => /* @__PURE__ */ new Date() }) {
  return withKubeErrors({
    ...clusterActivities({ kube, defaultRepository, now }),
    ...certificateActivities({ kube, now }),
    ...statusActivities({ kube, now }),
    ...memberActivities({ kube, defaultRepository }),
    ...etcdActivities({ kube }),
    ...endpointActivities({ kube }),
    ...observeActivities({ kube, callTimeoutMs: 2e3 }),
    ...membershipActivities({ kube }),
    ...backupActivities({ kube, toolsImage, now }),
    ...catalogActivities({ kube }),
    ...scheduleActivities({ kube, temporal, taskQueue }),
    ...restoreActivities({ kube, toolsImage, defaultRepository }),
    ...rolloutActivities({ kube, defaultRepository }),
    ...maintenanceActivities({ kube }),
    ...authActivities({ kube }),
    ...userActivities({ kube, now })
  });
}
var DEFAULT_TOOLS_IMAGE, noTemporal;
var init_activities = __esm({
  "activities/index.ts"() {
    "use strict";
    init_kube_cluster();
    init_kube_status();
    init_kube_members();
    init_etcd_health();
    init_kube_endpoints();
    init_cluster_observe();
    init_etcd_membership();
    init_kube_errors();
    init_backup();
    init_backup_catalog();
    init_backup_schedule();
    init_restore();
    init_rollout();
    init_etcd_maintenance();
    init_kube_certificates();
    init_etcd_auth();
    init_etcd_users();
    DEFAULT_TOOLS_IMAGE = "busybox:1.36";
    noTemporal = () => Promise.reject(new Error("no Temporal client configured for schedule activities"));
  }
});

// worker/failpoints.ts
function parseFailpoints(spec) {
  if (!spec?.trim()) return [];
  return spec.split(",").map((raw) => {
    const m = /^crash-after:([A-Za-z]\w*)(?:#([1-9]\d*))?$/.exec(raw.trim());
    if (!m) throw new Error(`ETCD_OPERATOR_FAILPOINTS: "${raw}" is not crash-after:<activity>[#n]`);
    return { activity: m[1], nth: Number(m[2] ?? 1) };
  });
}
function failpointInterceptors(failpoints, crash = () => process.kill(process.pid, "SIGKILL")) {
  if (!failpoints.length) return [];
  const done = /* @__PURE__ */ new Map();
  return [(ctx) => ({
    inbound: {
      async execute(input, next) {
        const result = await next(input);
        const type = ctx.info.activityType;
        const n = (done.get(type) ?? 0) + 1;
        done.set(type, n);
        if (failpoints.some((f) => f.activity === type && f.nth === n)) {
          process.stderr.write(`failpoint: crash after ${type} #${n}
`);
          crash();
          await new Promise(() => {
          });
        }
        return result;
      }
    }
  })];
}
var init_failpoints = __esm({
  "worker/failpoints.ts"() {
    "use strict";
  }
});

// worker/worker.ts
import { fileURLToPath } from "node:url";
import { existsSync, readFileSync } from "node:fs";
import { NativeConnection, Worker } from "@temporalio/worker";
import { Client as Client2, Connection as Connection2 } from "@temporalio/client";
function temporalClient(address, namespace) {
  let client;
  return () => client ??= Connection2.connect({ address }).then((connection) => new Client2({ connection, namespace }));
}
async function createOperatorWorker(o) {
  const connection = await NativeConnection.connect({ address: o.address });
  const bundle = process.env.ETCD_OPERATOR_WORKFLOW_BUNDLE;
  if (bundle && !existsSync(bundle)) throw new Error(`ETCD_OPERATOR_WORKFLOW_BUNDLE=${bundle} does not exist: run npm run build:workflows`);
  const code = bundle ? { workflowBundle: { code: readFileSync(bundle, "utf8") } } : { workflowsPath };
  const failpoints = parseFailpoints(process.env.ETCD_OPERATOR_FAILPOINTS);
  if (failpoints.length) process.stderr.write(`WARNING: failpoints armed (test only): ${process.env.ETCD_OPERATOR_FAILPOINTS}
`);
  const worker = await Worker.create({
    connection,
    namespace: o.namespace,
    taskQueue: o.taskQueue,
    ...code,
    activities: createActivities({ kube: o.kube, defaultRepository: o.defaultRepository, toolsImage: o.toolsImage, taskQueue: o.taskQueue, temporal: temporalClient(o.address, o.namespace) }),
    interceptors: { activity: failpointInterceptors(failpoints) },
    // Graceful shutdown: running activities get this long to finish before they are cancelled.
    shutdownGraceTime: "10s",
    // A worker that died leaves its workflows' next tasks on its sticky queue: after 3s (not 10s)
    // they move to the shared queue, so a restarted operator resumes them sooner.
    stickyQueueScheduleToStartTimeout: "3s"
  });
  return { worker, connection };
}
var workflowsPath, prebuiltBundlePath;
var init_worker = __esm({
  "worker/worker.ts"() {
    "use strict";
    init_activities();
    init_failpoints();
    workflowsPath = fileURLToPath(new URL("../workflows/index.ts", import.meta.url));
    prebuiltBundlePath = fileURLToPath(new URL("../dist/workflow-bundle.js", import.meta.url));
  }
});

// worker/run.ts
var run_exports = {};
__export(run_exports, {
  runOperator: () => runOperator
});
import pino from "pino";
async function runOperator(opts) {
  const log = pino({ name: "etcd-operator" });
  const kube = Kube.fromDefault();
  const taskQueue = opts.taskQueue ?? process.env.ETCD_OPERATOR_TASK_QUEUE ?? TASK_QUEUE;
  const defaultRepository = process.env.ETCD_IMAGE_REPOSITORY ?? "gcr.io/etcd-development/etcd";
  const toolsImage = process.env.ETCD_OPERATOR_TOOLS_IMAGE;
  const { worker, connection } = await createOperatorWorker({ address: temporalAddress(), namespace: temporalNamespace(), taskQueue, kube, defaultRepository, toolsImage });
  const client = await connectClient();
  const watcher = new ClusterWatcher(kube, new Dispatcher(client, kube, taskQueue, log), log, opts.namespace);
  const backups = new BackupWatcher(kube, client, taskQueue, log, opts.namespace);
  const users = new UserWatcher(kube, client, taskQueue, log, opts.namespace);
  let stopping = false;
  const shutdown = (signal) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    void Promise.all([watcher.stop(), backups.stop(), users.stop()]).finally(() => {
      if (worker.getState() === "RUNNING") worker.shutdown();
    });
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  log.info({ temporal: temporalAddress(), taskQueue, defaultRepository }, "operator starting");
  const running = worker.run();
  await watcher.start();
  await backups.start();
  await users.start();
  await running;
  await client.connection.close();
  await connection.close();
  log.info("operator stopped");
}
var init_run = __esm({
  "worker/run.ts"() {
    "use strict";
    init_kube_client();
    init_temporal();
    init_dispatcher();
    init_watcher();
    init_backup_watcher();
    init_user_watcher();
    init_ids();
    init_worker();
  }
});

// client/cli.ts
init_ids();
init_messages();
init_temporal();
import { Command } from "commander";
import { WorkflowUpdateFailedError } from "@temporalio/client";

// client/operations.ts
init_messages();
var q = (s) => `'${s.replace(/'/g, "")}'`;
async function listOperations(client, o) {
  const clauses = ["EtcdOperation IS NOT NULL"];
  if (o.cluster) clauses.push(`EtcdClusterName = ${q(o.cluster)}`);
  if (o.namespace) clauses.push(`EtcdClusterNamespace = ${q(o.namespace)}`);
  const rows = [];
  for await (const w of client.workflow.list({ query: clauses.join(" AND ") })) {
    const sa = w.searchAttributes;
    rows.push({
      workflowId: w.workflowId,
      operation: String(sa.EtcdOperation?.[0] ?? w.type),
      cluster: `${sa.EtcdClusterNamespace?.[0] ?? "?"}/${sa.EtcdClusterName?.[0] ?? "?"}`,
      status: w.status.name,
      startTime: w.startTime.toISOString()
    });
    if (rows.length >= 200) break;
  }
  return rows;
}
async function describeOperation(client, workflowId) {
  const handle = client.workflow.getHandle(workflowId);
  const d = await handle.describe();
  const step = d.status.name === "RUNNING" ? await handle.query(stepQuery).catch(() => void 0) : void 0;
  const history = await handle.fetchHistory();
  const scheduled = /* @__PURE__ */ new Map();
  for (const e of history.events ?? []) {
    const id = String(e.eventId);
    if (e.activityTaskScheduledEventAttributes) {
      scheduled.set(id, { name: e.activityTaskScheduledEventAttributes.activityType?.name ?? "?", status: "SCHEDULED", attempts: 0 });
    }
    const ref = (a) => a?.scheduledEventId != null ? scheduled.get(String(a.scheduledEventId)) : void 0;
    const started = ref(e.activityTaskStartedEventAttributes);
    if (started) {
      started.status = "RUNNING";
      started.attempts = e.activityTaskStartedEventAttributes?.attempt ?? 1;
    }
    const done = ref(e.activityTaskCompletedEventAttributes);
    if (done) done.status = "COMPLETED";
    const failed = ref(e.activityTaskFailedEventAttributes);
    if (failed) failed.status = "FAILED";
    const timedOut = ref(e.activityTaskTimedOutEventAttributes);
    if (timedOut) timedOut.status = "TIMED_OUT";
  }
  return { workflowId, type: d.type, status: d.status.name, step, activities: [...scheduled.values()] };
}

// client/cli-backup.ts
init_kube_client();
init_kube_backups();
init_api();
init_cluster_spec();
init_ids();
init_messages();

// client/cli-common.ts
init_kube_client();
init_temporal();
var print = (json, data, text) => console.log(json ? JSON.stringify(data, null, 2) : text());
async function getCluster(name, namespace, kube = Kube.fromDefault()) {
  const obj = await kube.getCluster(namespace, name);
  if (!obj) throw new Error(`EtcdCluster ${namespace}/${name} not found`);
  return obj;
}
async function withClusterClient(name, namespace, fn) {
  const c = await getCluster(name, namespace);
  const client = await connectClient();
  try {
    return await fn(c.metadata.uid, client);
  } finally {
    await client.connection.close();
  }
}

// client/cli-backup.ts
var stamp = (d) => d.toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-");
function destinationOf(o) {
  if (o.pvc && o.s3Bucket) throw new Error("give either --pvc or --s3-bucket, not both");
  if (o.pvc) return { pvc: { claimName: o.pvc, ...o.path && { path: o.path } } };
  if (o.s3Bucket) {
    if (!o.credentialsSecret) throw new Error("--s3-bucket needs --credentials-secret <Secret with accessKeyId and secretAccessKey>");
    return { s3: { bucket: o.s3Bucket, credentialsSecret: o.credentialsSecret, ...o.s3Prefix && { prefix: o.s3Prefix } } };
  }
  return void 0;
}
var row = (b) => ({
  name: b.metadata.name,
  cluster: b.spec?.clusterName,
  phase: b.status?.phase ?? "Pending",
  sizeBytes: b.status?.sizeBytes,
  revision: b.status?.revision,
  location: b.status?.location,
  sha256: b.status?.sha256,
  scheduled: b.metadata.labels?.[`${GROUP}/scheduled`] === "true",
  created: b.metadata.creationTimestamp,
  message: b.status?.conditions?.[0]?.message
});
function registerBackupCommands(program2) {
  program2.command("backup <cluster>").description("take a backup now: creates an EtcdBackup (destination: the cluster's spec.backup unless given)").option("-n, --namespace <ns>", "namespace", "default").option("--name <name>", "EtcdBackup name (default <cluster>-manual-<time>)").option("--pvc <claim>", "store on this PersistentVolumeClaim").option("--path <dir>", "directory on the claim").option("--s3-bucket <bucket>", "store in this S3 bucket").option("--s3-prefix <prefix>", "key prefix in the bucket").option("--credentials-secret <name>", "Secret with accessKeyId and secretAccessKey for --s3-bucket").option("--retain-on-delete", "keep the stored snapshot when the EtcdBackup is deleted").option("--wait", "wait until the backup Succeeded or Failed (exit 1 on Failed)").option("-o, --output <fmt>", "text or json", "text").action(async (name, o) => {
    const kube = Kube.fromDefault();
    const c = await getCluster(name, o.namespace, kube);
    const destination = destinationOf(o);
    const v = validateClusterSpec(c.spec);
    if (!destination && !(v.ok && v.spec.backup)) throw new Error(`EtcdCluster ${o.namespace}/${name} has no spec.backup.destination: give --pvc or --s3-bucket`);
    const body = {
      apiVersion: API_VERSION,
      kind: ETCD_BACKUP.kind,
      metadata: { name: o.name ?? `${name}-manual-${stamp(/* @__PURE__ */ new Date())}`, namespace: o.namespace },
      spec: { clusterName: name, ...destination && { destination }, ...o.retainOnDelete && { retainOnDelete: true } }
    };
    const made = await kube.custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: o.namespace, plural: ETCD_BACKUP.plural, body });
    let obj = made;
    while (o.wait && obj.status?.phase !== "Succeeded" && obj.status?.phase !== "Failed") {
      await new Promise((r2) => setTimeout(r2, 1e3));
      obj = await kube.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: o.namespace, plural: ETCD_BACKUP.plural, name: made.metadata.name });
    }
    const r = row(obj);
    print(o.output === "json", r, () => `etcdbackup ${o.namespace}/${r.name} ${r.phase}${r.location ? ` ${r.location} (${r.sizeBytes} bytes, revision ${r.revision})` : ""}${r.message && r.phase === "Failed" ? `: ${r.message}` : ""}`);
    if (obj.status?.phase === "Failed") process.exitCode = 1;
  });
  program2.command("backups").description("backups (EtcdBackup objects)").command("list").option("-n, --namespace <ns>", "namespace", "default").option("-c, --cluster <name>", "only this cluster").option("-o, --output <fmt>", "text or json", "text").action(async (o) => {
    const rows = (await listBackups(Kube.fromDefault(), o.namespace)).filter((b) => !o.cluster || b.spec?.clusterName === o.cluster).map(row).sort((a, b) => String(a.created).localeCompare(String(b.created)));
    print(o.output === "json", rows, () => rows.map((r) => `${String(r.name).padEnd(40)} ${String(r.cluster).padEnd(20)} ${r.phase.padEnd(10)} ${String(r.sizeBytes ?? "-").padStart(12)} rev ${String(r.revision ?? "-").padEnd(8)} ${r.scheduled ? "scheduled" : "manual   "} ${r.location ?? ""}`).join("\n") || "no backups");
  });
  const schedule = program2.command("schedule").description("the backup Schedule of a cluster (spec.backup)");
  for (const action of ["pause", "resume", "trigger", "show"]) {
    schedule.command(`${action} <cluster>`).option("-n, --namespace <ns>", "namespace", "default").option("-o, --output <fmt>", "text or json", "text").action((name, o) => withClusterClient(name, o.namespace, async (uid, client) => {
      const handle = client.schedule.getHandle(backupScheduleId({ uid }));
      if (action === "pause") await handle.pause(`paused with etcdop by ${process.env.USER ?? "someone"}`);
      if (action === "resume") await handle.unpause("resumed with etcdop");
      if (action === "trigger") await handle.trigger();
      const d = await handle.describe();
      const out = { schedule: d.scheduleId, paused: d.state.paused, note: d.state.note, next: d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()), recent: d.info.recentActions.slice(-5).map((a) => ({ scheduledAt: a.scheduledAt.toISOString(), workflowId: a.action.workflow.workflowId })), action };
      print(o.output === "json", out, () => [`schedule ${out.schedule} ${out.paused ? "PAUSED" : "active"} (${action === "show" ? "shown" : `${action}d`})`, `  next: ${out.next.join(", ") || "-"}`, ...out.recent.map((r) => `  ran ${r.scheduledAt} ${r.workflowId}`)].join("\n"));
    }));
  }
  program2.command("approve <cluster>").description("approve the recovery of a cluster that lost quorum for good: restore every member from its latest backup").option("-n, --namespace <ns>", "namespace", "default").option("-o, --output <fmt>", "text or json", "text").action((name, o) => withClusterClient(name, o.namespace, async (uid, client) => {
    const { approved } = await client.workflow.getHandle(clusterWorkflowId({ uid })).executeUpdate(approveRecoveryUpdate);
    print(o.output === "json", { cluster: `${o.namespace}/${name}`, approved }, () => `approved the recovery of ${o.namespace}/${name}: ${approved}`);
  }));
}

// client/cli-maintenance.ts
init_ids();
init_messages();
import { setTimeout as sleep } from "node:timers/promises";
function registerMaintenanceCommands(program2) {
  program2.command("defrag <cluster>").description("defragment every member, one at a time (followers first, the leader last), each only while all are healthy").option("-n, --namespace <ns>", "namespace", "default").option("--wait", "wait until the defragmentation finished and print its outcome").option("--timeout <minutes>", "how long --wait waits", "30").option("-o, --output <fmt>", "text or json", "text").action((name, o) => withClusterClient(name, o.namespace, async (uid, client) => {
    const handle = client.workflow.getHandle(clusterWorkflowId({ uid }));
    const { alreadyRequested } = await handle.executeUpdate(defragUpdate);
    if (!o.wait) {
      print(o.output === "json", { cluster: `${o.namespace}/${name}`, requested: true, alreadyRequested }, () => `defragmentation of ${o.namespace}/${name} ${alreadyRequested ? "was already requested" : "requested"}: it runs once the cluster is converged (etcdop status ${name} -n ${o.namespace})`);
      return;
    }
    const deadline = Date.now() + Number(o.timeout) * 6e4;
    for (; ; ) {
      const state = await handle.query(stateQuery);
      if (!state.defragRequested && state.current?.type !== "Defrag") break;
      if (Date.now() > deadline) throw new Error(`still waiting for the defragmentation after ${o.timeout} minutes (step: ${state.current?.step ?? state.lastDecision ?? "-"})`);
      await sleep(2e3);
    }
    const last = (await getCluster(name, o.namespace)).status?.lastOperation;
    print(o.output === "json", { cluster: `${o.namespace}/${name}`, lastOperation: last }, () => `${last?.type ?? "-"} ${last?.result ?? "-"}: ${last?.message ?? ""}`);
    if (last?.type !== "Defrag" || last.result !== "Succeeded") process.exitCode = 1;
  }));
}

// client/cli.ts
var program = new Command("etcdop").description("etcd operator whose operations are durable Temporal workflows");
program.command("run").description("run the operator: Temporal worker + EtcdCluster watcher").option("-n, --namespace <ns>", "watch one namespace only (default: all)").option("--task-queue <q>", "Temporal task queue").action(async (o) => {
  const { runOperator: runOperator2 } = await Promise.resolve().then(() => (init_run(), run_exports));
  await runOperator2(o);
});
program.command("status <cluster>").description("members, conditions and the running operation of a cluster").option("-n, --namespace <ns>", "namespace", "default").option("-o, --output <fmt>", "text or json", "text").action(async (name, o) => {
  const obj = await getCluster(name, o.namespace);
  const s = obj.status ?? {};
  print(o.output === "json", { name, namespace: o.namespace, spec: obj.spec, status: s }, () => [
    `EtcdCluster ${o.namespace}/${name}  generation ${obj.metadata.generation} (observed ${s.observedGeneration ?? "-"})`,
    `  version ${s.currentVersion ?? "-"}, ready ${s.readyMembers ?? 0}/${obj.spec?.size ?? "?"}`,
    "  conditions:",
    ...(s.conditions ?? []).map((c) => `    ${c.type.padEnd(12)} ${c.status.padEnd(7)} ${c.reason}${c.message ? `: ${c.message}` : ""}`),
    "  members:",
    ...(s.members ?? []).map((m) => `    ${m.name.padEnd(24)} id=${m.id ?? "-"} ${m.leader ? "leader" : m.learner ? "learner" : "follower"} ${m.healthy ? "healthy" : "UNHEALTHY"} ${m.version ?? ""}`),
    `  operation: ${s.operation ? `${s.operation.type} step=${s.operation.step ?? "-"} workflow=${s.operation.workflowId}${s.operation.reason ? `
    why: ${s.operation.reason}` : ""}` : "none"}`,
    `  last: ${s.lastOperation ? `${s.lastOperation.type} ${s.lastOperation.result} ${s.lastOperation.finishedAt} ${s.lastOperation.message ?? ""}` : "none"}`,
    ...s.restoredFrom ? [`  restored from: ${s.restoredFrom.backup ?? s.restoredFrom.location} at revision ${s.restoredFrom.revision ?? "?"} (${s.restoredFrom.reason}, ${s.restoredFrom.completedAt})`] : []
  ].join("\n"));
});
var ops = program.command("ops").description("operations (Temporal workflows) of clusters");
ops.command("list").option("-c, --cluster <name>", "only this cluster").option("-n, --namespace <ns>", "only this namespace").option("-o, --output <fmt>", "text or json", "text").action(async (o) => {
  const client = await connectClient();
  const rows = await listOperations(client, o);
  print(o.output === "json", rows, () => rows.map((r) => `${r.status.padEnd(11)} ${r.operation.padEnd(8)} ${r.cluster.padEnd(30)} ${r.startTime}  ${r.workflowId}`).join("\n") || "no operations");
  await client.connection.close();
});
ops.command("show <workflowId>").option("-o, --output <fmt>", "text or json", "text").option("-w, --watch", "follow a running operation until it ends").action(async (id, o) => {
  const client = await connectClient();
  for (; ; ) {
    const d = await describeOperation(client, id);
    print(o.output === "json", d, () => [`${d.workflowId}  ${d.type}  ${d.status}`, `  step: ${d.step ?? "-"}`, ...d.activities.map((a) => `  ${a.status.padEnd(9)} ${a.name}${a.attempts > 1 ? ` (attempts: ${a.attempts})` : ""}`)].join("\n"));
    if (!o.watch || d.status !== "RUNNING") break;
    await new Promise((r) => setTimeout(r, 2e3));
  }
  await client.connection.close();
});
ops.command("cancel <workflowId>").description("request cancellation of an operation (its workflow cleans up and reports Cancelled)").action(async (id) => {
  const client = await connectClient();
  await client.workflow.getHandle(id).cancel();
  console.log(`cancellation requested for ${id}`);
  await client.connection.close();
});
ops.command("retry <cluster>").description("run the last failed operation of a cluster again").option("-n, --namespace <ns>", "namespace", "default").action(async (name, o) => {
  const obj = await getCluster(name, o.namespace);
  const client = await connectClient();
  const { retrying } = await client.workflow.getHandle(clusterWorkflowId({ uid: obj.metadata.uid })).executeUpdate(retryUpdate);
  console.log(`retrying the failed operation of ${o.namespace}/${name}: ${retrying}`);
  await client.connection.close();
});
registerBackupCommands(program);
registerMaintenanceCommands(program);
program.parseAsync(process.argv).catch((err) => {
  const reason = err instanceof WorkflowUpdateFailedError && err.cause instanceof Error ? err.cause : err;
  console.error(`etcdop: ${reason instanceof Error ? reason.message : String(reason)}`);
  process.exit(1);
});
