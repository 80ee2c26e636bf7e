// An in-memory Kubernetes + etcd world behind the operator's activities, for workflow tests.
// Each fake keeps the real activity's semantics (look before acting, "not found" is success,
// deterministic names), records every call and every effective write, and can be told to fail:
// before its effect, or after it (a crash between the side effect and the reply, once).
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import type { Activities } from '../../activities/index.ts';
import type { MemberPlan } from '../../activities/kube/members.ts';
import type { OperationOutcome, OperationStep } from '../../activities/kube/status.ts';
import type { EventInput } from '../../k8s/events.ts';
import type { RestoreSource } from '../../domain/backups.ts';
import type { UserKey, UserSnapshot } from '../../activities/etcd/users.ts';
import { FINALIZER, clientServiceName, clientURL, headlessServiceName, pdbName, peerURL, pvcName } from '../../k8s/api.ts';
import { upgradePathProblem } from '../../k8s/upgrade-path.ts';
import { fitClusterStatus } from '../../k8s/status-text.ts';
import { memberIndex, quorumOf } from '../../domain/members.ts';
import type { ClusterKey, ClusterObservation, ClusterSnapshot, MemberHealth, ObservedMember } from '../../domain/types.ts';

export type ActivityName = keyof Activities;
type Args<N extends ActivityName> = Parameters<Activities[N]>;

export interface FakePod {
  name: string;
  initialMembers: string[];
  state: MemberPlan['state'];
  image: string;
  terminating: boolean;
  /** waitPodsGone polls a terminating pod survives. */
  lingerPolls: number;
  restarts: number;
  crashLooping: boolean;
  /** The pod template it was made from (FakeCluster.templateHash() at creation). */
  templateHash: string;
  /** A joining member's pod waits at its join gate until addLearner opens it (its initialMembers are set then). */
  joinGate?: 'closed' | 'open';
}

/** An etcd member as the fake etcd holds it. */
export interface FakeMember {
  id: string;
  learner: boolean;
  /** Its process has run (etcd published its client URLs). */
  started: boolean;
  /** checkLearnerCaughtUp polls before the learner has caught up. */
  catchUpPolls: number;
}

/** A member volume (PVC) of the cluster; the marks are absent on a plain member's volume. */
export interface FakeVolume {
  /** The cluster's owner reference is on it. */
  owned: boolean;
  /** Kept (retain) after its member was removed: no member's data any more; a later Delete without retain deletes it. */
  removedMember?: true;
  /** A recovery replaced it: never deleted by the operator. */
  setAside?: true;
  /** The SHA-256 of the snapshot restored onto it. */
  restoredSha256?: string;
}

export interface Call {
  activity: ActivityName;
  args: unknown[];
  attempt: number;
  workflowId: string;
  result?: unknown;
  error?: string;
}

interface Fault {
  activity: ActivityName;
  phase: 'before' | 'after';
  when: (args: unknown[]) => boolean;
  remaining: number;
  error: () => Error;
}

/** The EtcdCluster's name and namespace (default/demo) and what its spec says, where not the defaults. */
export type ClusterSeed = { name?: string; namespace?: string } & Partial<Pick<FakeCluster, 'size' | 'version' | 'paused' | 'retainOnDelete' | 'emptyDir' | 'recoveryPolicy'>>;

const injectedCrash = (activity: string) => ApplicationFailure.retryable(`injected crash after ${activity}`, 'InjectedCrash');
const eventName = (key: ClusterKey, id: string) => `${key.name}.${id}`.toLowerCase().replace(/[^a-z0-9.-]/g, '-').slice(0, 253);

/** One EtcdCluster and everything the operator made for it. */
export class FakeCluster {
  readonly key: ClusterKey;
  generation = 1;
  size = 3;
  version = '3.6.16';
  paused = false;
  retainOnDelete = false;
  emptyDir = false;
  /** The object exists in the API server (false once deleted, or never created). */
  exists = true;
  /** metadata.deletionTimestamp is set: Kubernetes removes the object when its finalizers are gone. */
  deleting = false;
  /** When set, validation fails with this message (readCluster and every load of the spec). */
  invalidSpec?: string;
  finalizers: string[] = [];
  /** Services and the PDB, as `Kind/name`. */
  readonly objects = new Set<string>();
  /** Objects under names the operator derives that someone else made (`Kind/name`): never changed or deleted, a NameConflict. */
  readonly namesakes = new Set<string>();
  readonly pods = new Map<string, FakePod>();
  /** Every volume of the cluster by PVC name, removed members' and set-aside ones included (as the real ones select by uid). */
  readonly pvcs = new Map<string, FakeVolume>();
  readonly events = new Map<string, EventInput>();
  /** The planner's reason of every observation reported. */
  readonly verdicts: string[] = [];
  /** The failed operation the last observation reported Degraded for. */
  degradedBy?: string;
  /** Its failure type (NameConflict is its own Degraded reason). */
  degradedByType?: string;
  readonly status: { operation?: OperationStep | null; lastOperation?: OperationOutcome; observedGeneration?: number; members?: MemberHealth[] } = {};
  readonly steps: OperationStep[] = [];
  readonly outcomes: OperationOutcome[] = [];
  /** Every call, in order, with its attempt and the calling workflow. */
  readonly calls: Call[] = [];
  /** Every effective change to the world, in order: `create Pod/demo-0`, `add finalizer`, ... */
  readonly writes: string[] = [];
  /** waitPodsGone polls each deleted pod stays listed (terminating). */
  podTerminationPolls = 0;
  /** etcd's membership, by member name. */
  readonly members = new Map<string, FakeMember>();
  leader?: string;
  /** The cluster annotation: the first members formed a cluster. */
  bootstrapped = false;
  /** PodDisruptionBudget minAvailable as last applied. */
  pdbMinAvailable?: number;
  /** checkLearnerCaughtUp polls a new learner needs. */
  learnerCatchUpPolls = 1;
  recoveryPolicy: 'Manual' | 'RestoreLatestBackup' = 'Manual';
  /** The newest Succeeded backup of the cluster. */
  latestBackup?: RestoreSource;
  /** Every Succeeded backup of the cluster (recoveryCandidates sorts them by revision); unset: [latestBackup]. */
  backups?: RestoreSource[];
  /** spec.bootstrap.backup, resolved: Create restores every member from it. */
  bootstrapBackup?: RestoreSource;
  /** By SHA-256: backups whose verification fails, with the failure type (ChecksumMismatch, S3NoSuchKey...). */
  readonly unusableBackups = new Map<string, { type: string; message: string }>();
  /** Everything else the member pod is made of (resources, flags...): part of the pod template hash. */
  podSpec = '';
  /** A certificate Secret cannot be used: readCluster and ensureCertificates fail with this (TLSSecretInvalid). */
  tlsProblem?: string;
  /** Mode auto: a certificate is due for renewal. */
  certificatesDue = false;
  certificateGeneration = 0;
  tlsProblemsReported: string[] = [];
  /** spec.auth.enabled (undefined: the spec says nothing, as before auth existed). */
  authDesired?: boolean;
  /** etcd has authentication on. */
  authOn = false;
  rootSecret = false;
  /** Which password the root Secret holds (a label, never a real one), and which one etcd has. */
  rootPassword = 'first';
  rootPasswordInEtcd?: string;
  /** spec.backup.destination is set: an upgrade takes a backup first. */
  backupDestination = false;
  /** The phase the pre-upgrade backup ends in. */
  upgradeBackupPhase: 'Succeeded' | 'Failed' = 'Succeeded';
  /** Images that cannot be pulled. */
  readonly missingImages = new Set<string>();
  /** Alarms etcd raised, by member. */
  alarms: { member: string; alarm: string }[] = [];
  private nextId = 0x1000;
  private readonly faults: Fault[] = [];
  private readonly hooks: { activity: ActivityName; fn: (c: FakeCluster) => void; remaining: number }[] = [];

  constructor({ name = 'demo', namespace = 'default', ...spec }: ClusterSeed = {}) {
    this.key = { namespace, name, uid: randomUUID() };
    for (const [k, v] of Object.entries(spec)) if (v !== undefined) Object.assign(this, { [k]: v });
  }

  get image(): string { return `gcr.io/etcd-development/etcd:v${this.version}`; }
  templateHash(): string { return `${this.image}|${this.podSpec}`; }
  /** The etcd version a member's pod runs (its image tag), as etcd reports it. */
  runningVersion(name: string): string { return /:v([0-9.]+)$/.exec(this.pods.get(name)?.image ?? '')?.[1] ?? this.version; }

  // --- test controls --------------------------------------------------------------------------

  /** The activity performs its side effect, then fails once (retryable), as if the worker died before replying. */
  crashAfter<N extends ActivityName>(activity: N, when?: (...args: Args<N>) => boolean): this {
    this.faults.push({ activity, phase: 'after', when: (a) => when?.(...(a as Args<N>)) ?? true, remaining: 1, error: () => injectedCrash(activity) });
    return this;
  }

  /** Runs `fn` on the world right before the activity's next `times` effects (e.g. leadership moving back). */
  before(activity: ActivityName, fn: (c: FakeCluster) => void, times = 1): this {
    this.hooks.push({ activity, fn, remaining: times });
    return this;
  }

  runHooks(activity: ActivityName): void {
    for (const h of this.hooks) if (h.activity === activity && h.remaining > 0) { h.remaining -= 1; h.fn(this); }
  }

  /** The activity throws `error()` instead of running, for its next `times` calls. */
  failBefore<N extends ActivityName>(activity: N, error: () => Error, times = 1): this {
    this.faults.push({ activity, phase: 'before', when: () => true, remaining: times, error });
    return this;
  }

  /** A cluster Create already built: finalizer, Services, PDB, and a running pod + PVC + voter per member. */
  seedRunning(): this {
    this.finalizers.push(FINALIZER);
    for (const o of this.serviceObjects()) this.objects.add(o);
    const members = this.memberNames();
    for (const name of members) {
      this.pods.set(name, this.newPod(name, members, 'new'));
      if (!this.emptyDir) this.pvcs.set(pvcName(name), { owned: true });
      this.members.set(name, this.newMember(false, true));
    }
    this.leader = members[0];
    this.bootstrapped = true;
    return this;
  }

  newPod(name: string, initialMembers: string[], state: MemberPlan['state']): FakePod {
    return { name, initialMembers: [...initialMembers], state, image: this.image, terminating: false, lingerPolls: 0, restarts: 0, crashLooping: false, templateHash: this.templateHash() };
  }

  newMember(learner: boolean, started: boolean): FakeMember {
    return { id: (this.nextId++).toString(16), learner, started, catchUpPolls: this.learnerCatchUpPolls };
  }

  /** A member's pod is gone (kubectl delete pod); its data stays on its volume. */
  killPod(name: string): this { this.pods.delete(name); if (this.leader === name) this.leader = this.electLeader(name); return this; }
  /** A member's pod and volume are gone: its data is lost. */
  loseData(name: string): this { this.killPod(name); this.pvcs.delete(pvcName(name)); return this; }
  /** A member's container crash-loops on an unusable data dir. */
  crashLoop(name: string, restarts = 5): this { const p = this.pods.get(name)!; p.crashLooping = true; p.restarts = restarts; if (this.leader === name) this.leader = this.electLeader(name); return this; }

  /** A member answers when its pod runs and does not crash-loop. */
  memberHealthy(name: string): boolean {
    const p = this.pods.get(name);
    return Boolean(p && !p.terminating && !p.crashLooping && p.joinGate !== 'closed' && this.members.get(name)?.started);
  }

  /** A majority of the voters is healthy. */
  hasQuorum(): boolean {
    const voters = [...this.members].filter(([, m]) => !m.learner);
    return voters.filter(([n]) => this.memberHealthy(n)).length >= quorumOf(voters.length);
  }

  electLeader(except?: string): string | undefined {
    return [...this.members].filter(([n, m]) => !m.learner && n !== except && this.memberHealthy(n)).map(([n]) => n).sort()[0];
  }

  observed(): ObservedMember[] {
    if (this.leader && !this.memberHealthy(this.leader)) this.leader = this.electLeader();
    if (!this.leader && this.hasQuorum()) this.leader = this.electLeader();
    return [...this.members].map(([name, m]): ObservedMember => ({
      name, id: m.id, peerURL: peerURL(this.key.name, this.key.namespace, name), learner: m.learner, started: m.started,
      healthy: this.memberHealthy(name) && this.hasQuorum(), leader: this.leader === name && this.hasQuorum(), version: this.runningVersion(name),
    })).sort((a, b) => a.name.localeCompare(b.name));
  }

  memberNames(): string[] { return Array.from({ length: this.size }, (_, i) => `${this.key.name}-${i}`); }
  serviceObjects(): string[] {
    return [`Service/${headlessServiceName(this.key.name)}`, `Service/${clientServiceName(this.key.name)}`, `PodDisruptionBudget/${pdbName(this.key.name)}`];
  }
  callsOf(activity: ActivityName): Call[] { return this.calls.filter((c) => c.activity === activity); }
  count(write: string): number { return this.writes.filter((w) => w === write).length; }

  // --- the fault hooks the activities run through -----------------------------------------

  fault(activity: ActivityName, phase: Fault['phase'], args: unknown[]): void {
    const f = this.faults.find((x) => x.activity === activity && x.phase === phase && x.remaining > 0 && x.when(args));
    if (!f) return;
    f.remaining -= 1;
    throw f.error();
  }

  // --- the API server and etcd, as the real activities see them -------------------------

  /** loadCluster: the object and its validated spec, or a non-retryable failure. */
  load(): void {
    if (!this.exists) throw ApplicationFailure.nonRetryable(`EtcdCluster ${this.key.namespace}/${this.key.name} no longer exists`, 'ClusterGone');
    this.validate();
  }

  validate(): void {
    if (this.invalidSpec) throw ApplicationFailure.nonRetryable(this.invalidSpec, 'InvalidSpec');
  }

  /** Server-side apply of a Service/PDB/PVC: created when absent, unchanged otherwise; someone else's namesake is a NameConflict. */
  apply(object: string): void {
    this.checkNotNamesake(object);
    if (this.objects.has(object)) return;
    this.objects.add(object);
    this.writes.push(`create ${object}`);
  }

  /** As applyOwned/readOwned: an object of this name that belongs to someone else stops the activity. */
  checkNotNamesake(object: string): void {
    if (this.namesakes.has(object)) throw ApplicationFailure.nonRetryable(`${object.replace('/', ` ${this.key.namespace}/`)} already exists and belongs to someone else`, 'NameConflict');
  }

  deleteObject(object: string): void {
    if (this.objects.delete(object)) this.writes.push(`delete ${object}`);
  }

  /** Pods matching the cluster's selector; a terminating pod is listed until its linger polls run out. */
  listPods(): FakePod[] {
    for (const p of [...this.pods.values()]) if (p.terminating && p.lingerPolls <= 0) this.pods.delete(p.name);
    return [...this.pods.values()];
  }

  /** What etcd reports of the members whose pods run. */
  health(): MemberHealth[] {
    return this.observed().filter((m) => this.pods.has(m.name) && !this.pods.get(m.name)!.terminating).map((m): MemberHealth => ({
      name: m.name, id: m.id, peerURL: m.peerURL, clientURL: clientURL(this.key.name, this.key.namespace, m.name), leader: m.leader, learner: m.learner, version: m.version, healthy: m.healthy,
    }));
  }

  patchStatus(activity: ActivityName, patch: Partial<FakeCluster['status']>): void {
    if (!this.exists) return; // the real patch skips a cluster that is gone
    Object.assign(this.status, fitClusterStatus(patch)); // free text cut to the CRD's maxLength, as kube.updateClusterStatus does
    this.writes.push(`status ${activity}`);
  }
}

/** An EtcdUser of a fake cluster: the object, its password Secret (a version number) and what etcd holds. */
export interface FakeUser {
  key: UserKey;
  generation: number;
  exists: boolean;
  deleting: boolean;
  finalizer: boolean;
  problem?: { reason: string; message: string };
  passwordSecret: boolean;
  passwordVersion: number;
  /** The user in etcd: which spec generation and password version it was set from. */
  inEtcd?: { generation: number; passwordVersion: number };
  status?: { ready: boolean; reason: string; message: string; credentialsSecret?: string };
}

/** Every fake cluster of a test file, by uid; the worker's activities find theirs by the key. */
export class FakeWorld {
  private readonly clusters = new Map<string, FakeCluster>();
  /** EtcdUser uid -> its user and cluster. */
  private readonly users = new Map<string, { user: FakeUser; cluster: FakeCluster }>();

  addUser(c: FakeCluster, name = 'app'): FakeUser {
    const user: FakeUser = { key: { namespace: c.key.namespace, name, uid: randomUUID() }, generation: 1, exists: true, deleting: false, finalizer: false, passwordSecret: false, passwordVersion: 1 };
    this.users.set(user.key.uid, { user, cluster: c });
    return user;
  }

  byUser(uid: string): { user: FakeUser; cluster: FakeCluster } {
    const u = this.users.get(uid);
    if (!u) throw ApplicationFailure.nonRetryable(`no fake user with uid ${uid}`, 'TestSetup');
    return u;
  }
  /** The S3 store: what is stored under each location. A location not stored here is taken as holding what the source says. */
  readonly snapshots = new Map<string, { sha256: string; sizeBytes: number }>();
  /** Backup uid -> the cluster whose upgrade made it. */
  readonly backups = new Map<string, FakeCluster>();

  /** The key of the cluster a backup belongs to (backup activities take a backup's key). */
  byBackup(uid: string): ClusterKey {
    const c = this.backups.get(uid);
    if (!c) throw ApplicationFailure.nonRetryable(`no fake backup with uid ${uid}`, 'TestSetup');
    return c.key;
  }

  add(seed?: ClusterSeed): FakeCluster {
    const c = new FakeCluster(seed);
    this.clusters.set(c.key.uid, c);
    return c;
  }

  get(key: ClusterKey): FakeCluster {
    const c = this.clusters.get(key.uid);
    if (!c) throw ApplicationFailure.nonRetryable(`no fake cluster with uid ${key.uid}`, 'TestSetup');
    return c;
  }
}

/**
 * The activities the workflow tests reach, each typed by the real one it stands for. The backup
 * workflow's activities (and a bootstrap restore's) are not here: they run on the real stack
 * (test/e2e/backup*.test.ts); a workflow test that reached one would fail with the worker's
 * "not registered". test/contract/cases.ts holds the fakes to the real activities where both must agree.
 */
export function createFakeActivities(world: FakeWorld) {
  /** Runs one activity against its cluster: records the call, applies injected faults around the effect. */
  async function run<N extends ActivityName, T>(activity: N, key: ClusterKey, args: unknown[], effect: (c: FakeCluster) => T): Promise<T> {
    const c = world.get(key);
    const { attempt, workflowExecution } = Context.current().info;
    const call: Call = { activity, args: structuredClone(args), attempt, workflowId: workflowExecution?.workflowId ?? '' };
    c.calls.push(call);
    try {
      c.fault(activity, 'before', args);
      c.runHooks(activity);
      const result = effect(c);
      call.result = structuredClone(result);
      c.fault(activity, 'after', args);
      return result;
    } catch (err) {
      call.error = (err as Error).message;
      throw err;
    }
  }

  /** An EtcdUser's activity, run against (and recorded on) the user's cluster. */
  function runUser<N extends ActivityName, T>(activity: N, key: UserKey, args: unknown[], effect: (u: FakeUser, c: FakeCluster) => T): Promise<T> {
    const { user, cluster } = world.byUser(key.uid);
    return run(activity, cluster.key, args, (c) => effect(user, c));
  }

  return {
    async readCluster(key: ClusterKey): Promise<ClusterSnapshot | undefined> {
      return run('readCluster', key, [key], (c) => {
        if (!c.exists) return undefined;
        c.validate();
        if (c.tlsProblem && !c.deleting) throw ApplicationFailure.nonRetryable(c.tlsProblem, 'TLSSecretInvalid');
        return {
          generation: c.generation, size: c.size, version: c.version, image: c.image, paused: c.paused, retainOnDelete: c.retainOnDelete, emptyDir: c.emptyDir, deleting: c.deleting, restoreFromBackup: Boolean(c.bootstrapBackup), recoveryPolicy: c.recoveryPolicy, podTemplateHash: c.templateHash(),
          ...(c.certificatesDue && { certificatesDue: true }),
          ...(c.authDesired !== undefined && { authEnabled: c.authDesired }),
        };
      });
    },

    /** Mode auto renews (the certificate fingerprint, part of the pod template, changes); a bad Secret fails as the real one does. */
    async ensureCertificates(key: ClusterKey): Promise<{ issued: string[] }> {
      return run('ensureCertificates', key, [key], (c) => {
        if (c.tlsProblem) throw ApplicationFailure.nonRetryable(c.tlsProblem, 'TLSSecretInvalid');
        if (!c.certificatesDue) return { issued: [] };
        c.certificatesDue = false;
        c.certificateGeneration += 1;
        c.podSpec = `${c.podSpec}|certs-${c.certificateGeneration}`;
        c.writes.push(`apply Secret/${c.key.name}-server-tls`);
        return { issued: [`${c.key.name}-server-tls (a third of its lifetime left)`] };
      });
    },

    async ensureRootSecret(key: ClusterKey): Promise<{ secret: string; created: boolean }> {
      return run('ensureRootSecret', key, [key], (c) => {
        c.checkNotNamesake(`Secret/${c.key.name}-root`);
        const created = !c.rootSecret;
        if (created) c.writes.push(`create Secret/${c.key.name}-root`);
        c.rootSecret = true;
        return { secret: `${c.key.name}-root`, created };
      });
    },
    async enableAuth(key: ClusterKey): Promise<'enabled' | 'already' | 'rotated'> {
      return run('enableAuth', key, [key], (c) => {
        if (!c.rootSecret) throw ApplicationFailure.retryable('no root Secret yet', 'NotYet');
        if (c.authOn) {
          if (c.rootPasswordInEtcd === c.rootPassword) return 'already' as const;
          c.rootPasswordInEtcd = c.rootPassword;
          c.writes.push('etcd root password changed');
          return 'rotated' as const;
        }
        c.authOn = true;
        c.rootPasswordInEtcd = c.rootPassword;
        c.writes.push('etcd auth enable');
        return 'enabled' as const;
      });
    },
    async disableAuth(key: ClusterKey): Promise<'disabled' | 'already'> {
      return run('disableAuth', key, [key], (c) => {
        if (!c.authOn) return 'already' as const;
        c.authOn = false;
        c.writes.push('etcd auth disable');
        return 'disabled' as const;
      });
    },

    // --- EtcdUsers

    async readEtcdUser(key: UserKey): Promise<UserSnapshot | undefined> {
      return runUser('readEtcdUser', key, [key], (u, c) => (u.exists
        ? { generation: u.generation, deleting: u.deleting, ...(u.problem && { problem: { ...u.problem } }), cluster: c.key, fingerprint: `${u.generation}|${u.passwordVersion}` }
        : undefined));
    },
    async ensureUserFinalizer(key: UserKey): Promise<void> {
      return runUser('ensureUserFinalizer', key, [key], (u) => { u.finalizer = true; });
    },
    async removeUserFinalizer(key: UserKey): Promise<void> {
      return runUser('removeUserFinalizer', key, [key], (u) => { u.finalizer = false; if (u.deleting) u.exists = false; });
    },
    async ensureUserPassword(key: UserKey): Promise<{ secret: string; created: boolean }> {
      return runUser('ensureUserPassword', key, [key], (u, c) => {
        c.checkNotNamesake(`Secret/${key.name}-password`);
        const created = !u.passwordSecret;
        if (created) c.writes.push(`create Secret/${key.name}-password`);
        u.passwordSecret = true;
        return { secret: `${key.name}-password`, created };
      });
    },
    async applyUserInEtcd(key: UserKey): Promise<{ roles: string[]; authOn: boolean }> {
      return runUser('applyUserInEtcd', key, [key], (u, c) => {
        if (!u.passwordSecret) throw ApplicationFailure.retryable('no password Secret yet', 'NotYet');
        u.inEtcd = { generation: u.generation, passwordVersion: u.passwordVersion };
        c.writes.push(`etcd user ${key.name} g${u.generation} password v${u.passwordVersion}`);
        return { roles: ['app-rw'], authOn: c.authOn };
      });
    },
    async writeUserCredentials(key: UserKey): Promise<string> {
      return runUser('writeUserCredentials', key, [key], (_u, c) => { c.checkNotNamesake(`Secret/${key.name}-credentials`); c.writes.push(`apply Secret/${key.name}-credentials`); return `${key.name}-credentials`; });
    },
    async deleteUserFromEtcd(key: UserKey): Promise<{ user: string; roles: string[] }> {
      return runUser('deleteUserFromEtcd', key, [key], (u, c) => {
        const had = Boolean(u.inEtcd);
        if (had) c.writes.push(`etcd user ${key.name} deleted`);
        u.inEtcd = undefined;
        return { user: had ? key.name : '', roles: had ? ['app-rw'] : [] };
      });
    },
    async reportUser(key: UserKey, r: Parameters<Activities['reportUser']>[1]): Promise<void> {
      return runUser('reportUser', key, [key, r], (u) => { u.status = { ready: r.ready, reason: r.reason, message: r.message, ...(r.credentialsSecret && { credentialsSecret: r.credentialsSecret }) }; });
    },
    async recordUserEvent(key: UserKey, e: EventInput): Promise<void> {
      return runUser('recordUserEvent', key, [key, e], (_u, c) => { c.events.set(`user-${key.name}.${e.id}`, e); });
    },

    async reportTlsProblem(key: ClusterKey, message: string): Promise<void> {
      return run('reportTlsProblem', key, [key, message], (c) => { c.tlsProblemsReported.push(message); });
    },

    async ensureFinalizer(key: ClusterKey): Promise<void> {
      return run('ensureFinalizer', key, [key], (c) => {
        if (!c.exists || c.finalizers.includes(FINALIZER)) return;
        c.finalizers.push(FINALIZER);
        c.writes.push('add finalizer');
      });
    },

    async removeFinalizer(key: ClusterKey): Promise<void> {
      return run('removeFinalizer', key, [key], (c) => {
        if (!c.exists || !c.finalizers.includes(FINALIZER)) return;
        c.finalizers = c.finalizers.filter((f) => f !== FINALIZER);
        c.writes.push('remove finalizer');
        if (c.deleting && !c.finalizers.length) {
          c.exists = false; // Kubernetes completes the deletion
          c.writes.push('delete EtcdCluster');
        }
      });
    },

    async reportStep(key: ClusterKey, step: OperationStep): Promise<void> {
      return run('reportStep', key, [key, step], (c) => {
        if (c.exists) c.steps.push(step);
        c.patchStatus('reportStep', { operation: step });
      });
    },

    async reportOutcome(key: ClusterKey, o: OperationOutcome): Promise<void> {
      return run('reportOutcome', key, [key, o], (c) => {
        c.outcomes.push(o); // recorded even when the cluster is gone: the workflow's last word
        c.patchStatus('reportOutcome', {
          operation: null, lastOperation: o,
          ...(o.result === 'Succeeded' && o.generation !== undefined && { observedGeneration: o.generation }),
        });
      });
    },

    async reportObserved(key: ClusterKey, generation: number): Promise<void> {
      return run('reportObserved', key, [key, generation], (c) => c.patchStatus('reportObserved', { observedGeneration: generation }));
    },

    async reportMembers(key: ClusterKey, members: MemberHealth[], expectedSize: number): Promise<void> {
      return run('reportMembers', key, [key, members, expectedSize], (c) => c.patchStatus('reportMembers', { members }));
    },

    /** Deterministic Event names: a second create of the same name is a conflict, ignored. */
    async recordEvent(key: ClusterKey, e: EventInput): Promise<void> {
      return run('recordEvent', key, [key, e], (c) => {
        const name = eventName(key, e.id);
        if (c.events.has(name)) return;
        c.events.set(name, e);
        c.writes.push(`create Event/${name}`);
      });
    },

    async applyServices(key: ClusterKey): Promise<void> {
      return run('applyServices', key, [key], (c) => {
        c.load();
        for (const o of c.serviceObjects()) c.apply(o);
      });
    },

    /** PVC applied, then the pod looked up: an existing (not terminating) pod is left as it is. */
    async applyMember(key: ClusterKey, plan: MemberPlan): Promise<'created' | 'exists'> {
      return run('applyMember', key, [key, plan], (c): 'created' | 'exists' => {
        c.load();
        if (plan.state === 'new' && c.bootstrapped) throw ApplicationFailure.nonRetryable(`${plan.member} cannot start as a new cluster member: the cluster bootstrapped already`, 'AlreadyBootstrapped');
        if (!c.emptyDir && !c.pvcs.has(pvcName(plan.member))) {
          if (plan.requireVolume) throw ApplicationFailure.nonRetryable(`the volume of ${plan.member} is gone`, 'VolumeGone');
          c.pvcs.set(pvcName(plan.member), { owned: !c.retainOnDelete });
          c.writes.push(`create PersistentVolumeClaim/${pvcName(plan.member)}`);
        }
        const existing = c.pods.get(plan.member);
        if (existing && !existing.terminating && !c.members.get(plan.member)?.started && existing.templateHash !== c.templateHash()) {
          // Like the real one: a pod that never ran, made from a spec since fixed, is made again.
          c.pods.delete(plan.member);
          c.writes.push(`delete Pod/${plan.member}`);
        } else if (existing && !existing.terminating) return 'exists';
        c.pods.set(plan.member, { ...c.newPod(plan.member, plan.initialMembers, plan.state), ...(plan.joinGate && { joinGate: 'closed' as const }) });
        c.writes.push(`create Pod/${plan.member}`);
        // The member's process starts: at bootstrap it is a voter of the initial cluster; joining, it
        // must have been added (a gated pod starts when addLearner opens its gate).
        const m = c.members.get(plan.member);
        if (plan.joinGate) return 'created';
        if (m) m.started = true;
        else if (plan.state === 'new') c.members.set(plan.member, c.newMember(false, true));
        return 'created';
      });
    },

    async applyDisruptionBudget(key: ClusterKey, voters: number): Promise<void> {
      return run('applyDisruptionBudget', key, [key, voters], (c) => {
        c.checkNotNamesake(`PodDisruptionBudget/${pdbName(c.key.name)}`);
        const min = quorumOf(voters);
        if (c.pdbMinAvailable !== min) c.writes.push(`apply PodDisruptionBudget minAvailable=${min}`);
        c.pdbMinAvailable = min;
      });
    },

    async deleteMemberPod(key: ClusterKey, member: string): Promise<boolean> {
      return run('deleteMemberPod', key, [key, member], (c) => {
        const p = c.pods.get(member);
        if (!p || p.terminating) return false;
        p.terminating = true;
        p.lingerPolls = c.podTerminationPolls;
        c.writes.push(`delete Pod/${member}`);
        return true;
      });
    },

    async waitMemberPodGone(key: ClusterKey, member: string): Promise<void> {
      return run('waitMemberPodGone', key, [key, member], (c) => {
        c.listPods();
        const p = c.pods.get(member);
        if (p?.terminating) p.lingerPolls -= 1;
        if (p) throw ApplicationFailure.retryable(`pod ${member} still terminating`, 'NotYet');
      });
    },

    /** Released and marked set aside (and removed-member); the volume stays the cluster's by uid. */
    async setAsideMemberVolume(key: ClusterKey, member: string): Promise<'set-aside' | 'absent'> {
      return run('setAsideMemberVolume', key, [key, member], (c) => {
        const name = pvcName(member);
        const v = c.pvcs.get(name);
        if (!v) return 'absent';
        if (!v.setAside) c.writes.push(`set aside PersistentVolumeClaim/${name}`);
        Object.assign(v, { owned: false, removedMember: true, setAside: true });
        return 'set-aside';
      });
    },

    /** A set-aside volume is never deleted (the documented rule; the real activity does not check it: see test/contract/cases.ts). */
    async releaseMemberVolume(key: ClusterKey, member: string, retain: boolean): Promise<'deleted' | 'kept' | 'absent'> {
      return run('releaseMemberVolume', key, [key, member, retain], (c) => {
        const name = pvcName(member);
        const v = c.pvcs.get(name);
        if (!v) return 'absent';
        if (retain || v.setAside) {
          if (!v.removedMember) c.writes.push(`keep PersistentVolumeClaim/${name}`);
          Object.assign(v, { owned: false, removedMember: true });
          return 'kept';
        }
        c.pvcs.delete(name);
        c.writes.push(`delete PersistentVolumeClaim/${name}`);
        return 'deleted';
      });
    },

    async observeCluster(key: ClusterKey): Promise<ClusterObservation> {
      return run('observeCluster', key, [key], (c): ClusterObservation => {
        const pods = c.listPods();
        const reachable = pods.some((p) => c.memberHealthy(p.name) || c.members.get(p.name)?.started && !p.terminating && !p.crashLooping);
        const members = reachable ? c.observed() : [];
        const names = [...pods.map((p) => p.name), ...[...c.pvcs.keys()].map((v) => v.replace(/^data-/, '')), ...members.map((m) => m.name)];
        return {
          reachable, quorum: reachable && c.hasQuorum(), members,
          pods: pods.map((p) => ({ name: p.name, uid: `${p.name}-uid`, phase: 'Running', ready: c.memberHealthy(p.name), terminating: p.terminating, restarts: p.restarts, crashLooping: p.crashLooping, templateHash: p.templateHash, image: p.image })),
          volumes: [...c.pvcs].filter(([, v]) => !v.removedMember).map(([n]) => n.replace(/^data-/, '')).sort(),
          highestIndex: Math.max(-1, ...names.map((n) => memberIndex(key.name, n) ?? -1)),
          bootstrapped: c.bootstrapped,
          ...(c.alarms.length && reachable && { alarms: [...c.alarms] }),
          ...(reachable && c.hasQuorum() && { authEnabled: c.authOn }),
          ...(reachable && c.hasQuorum() && c.authOn && c.rootPasswordInEtcd !== c.rootPassword && { rootPasswordChanged: true }),
        };
      });
    },

    async markBootstrapped(key: ClusterKey): Promise<void> {
      return run('markBootstrapped', key, [key], (c) => { if (!c.bootstrapped) c.writes.push('annotate bootstrapped'); c.bootstrapped = true; });
    },

    async reportObservation(key: ClusterKey, o: ClusterObservation, expectedSize: number, verdict: { reason: string; quorumLost: boolean; failed?: string; failedType?: string }): Promise<void> {
      return run('reportObservation', key, [key, o, expectedSize, verdict], (c) => {
        c.verdicts.push(verdict.reason);
        c.degradedBy = verdict.failed;
        c.degradedByType = verdict.failedType;
        c.patchStatus('reportObservation', { members: o.members.map((m) => ({ name: m.name, id: m.id, peerURL: m.peerURL, clientURL: '', leader: m.leader, learner: m.learner, healthy: m.healthy })) });
      });
    },

    async addLearner(key: ClusterKey, member: string, opts: { openJoinGate?: boolean } = {}): Promise<{ id: string; initialMembers: string[]; added: boolean }> {
      return run('addLearner', key, [key, member, opts], (c) => {
        if (!c.hasQuorum()) throw ApplicationFailure.retryable('etcd does not answer a linearizable member list', 'NotYet');
        const pod = c.pods.get(member);
        if (opts.openJoinGate && !pod) throw ApplicationFailure.retryable(`the pod of ${member} does not exist yet`, 'NotYet');
        let m = c.members.get(member);
        const added = !m;
        if (!m) {
          m = c.newMember(true, false);
          c.members.set(member, m);
          c.writes.push(`etcd add learner ${member}`);
        }
        const initialMembers = [...c.members.keys()].sort();
        if (opts.openJoinGate && pod!.joinGate === 'closed') {
          pod!.joinGate = 'open';
          pod!.initialMembers = initialMembers;
          m.started = true;
          c.writes.push(`open join gate ${member}`);
        }
        return { id: m.id, initialMembers, added };
      });
    },

    async checkLearnerCaughtUp(key: ClusterKey, member: string): Promise<void> {
      return run('checkLearnerCaughtUp', key, [key, member], (c) => {
        const m = c.members.get(member);
        if (!m) throw ApplicationFailure.nonRetryable(`${member} is not an etcd member`, 'NotAMember');
        if (!m.learner) return;
        if (!c.memberHealthy(member)) throw ApplicationFailure.retryable(`learner ${member} does not answer yet`, 'NotYet');
        if (m.catchUpPolls-- > 0) throw ApplicationFailure.retryable(`learner ${member} behind`, 'NotYet');
      });
    },

    async promoteLearner(key: ClusterKey, member: string): Promise<void> {
      return run('promoteLearner', key, [key, member], (c) => {
        const m = c.members.get(member);
        if (!m) throw ApplicationFailure.nonRetryable(`${member} is not an etcd member`, 'NotAMember');
        if (!m.learner) return;
        if (m.catchUpPolls > 0) throw ApplicationFailure.retryable('can only promote a learner member which is in sync with leader', 'NotYet');
        m.learner = false;
        c.writes.push(`etcd promote ${member}`);
      });
    },

    async moveLeaderAway(key: ClusterKey, member: string, prefer: string[] = []): Promise<string | undefined> {
      return run('moveLeaderAway', key, [key, member, prefer], (c) => {
        c.observed();
        if (c.leader !== member) return undefined;
        if (![...c.members].some(([n, x]) => n !== member && !x.learner)) return undefined;
        const target = prefer.find((n) => n !== member && c.memberHealthy(n) && !c.members.get(n)?.learner) ?? c.electLeader(member);
        if (!target) throw ApplicationFailure.retryable(`no healthy voter to take leadership from ${member}`, 'NotYet');
        c.leader = target;
        c.writes.push(`etcd move leader ${member} -> ${target}`);
        return target;
      });
    },

    async removeMember(key: ClusterKey, member: string): Promise<'removed' | 'absent'> {
      return run('removeMember', key, [key, member], (c) => {
        if (!c.hasQuorum()) throw ApplicationFailure.retryable('etcd does not answer a linearizable member list', 'NotYet');
        const m = c.members.get(member);
        if (!m) return 'absent';
        c.observed();
        if (c.leader === member) throw ApplicationFailure.nonRetryable(`${member} leads the cluster: move leadership first`, 'IsLeader');
        if (!m.learner) {
          const others = [...c.members].filter(([n, x]) => !x.learner && n !== member);
          const healthy = others.filter(([n]) => c.memberHealthy(n)).length;
          if (healthy < quorumOf(others.length)) throw ApplicationFailure.nonRetryable(`removing ${member} would lose quorum`, 'UnsafeRemoval');
        }
        c.members.delete(member);
        c.writes.push(`etcd remove ${member}`);
        return 'removed';
      });
    },

    async checkMemberHealthy(key: ClusterKey, member: string): Promise<void> {
      return run('checkMemberHealthy', key, [key, member], (c) => {
        const m = c.members.get(member);
        if (!m) throw ApplicationFailure.nonRetryable(`${member} is not an etcd member`, 'NotAMember');
        if (m.learner || !c.memberHealthy(member) || !c.hasQuorum()) throw ApplicationFailure.retryable(`${member} is not a healthy voter yet`, 'NotYet');
      });
    },

    async deleteClusterObjects(key: ClusterKey): Promise<number> {
      return run('deleteClusterObjects', key, [key], (c) => {
        const pods = c.listPods();
        for (const p of pods) {
          if (p.terminating) continue; // deleting a terminating pod again changes nothing
          p.terminating = true;
          p.lingerPolls = c.podTerminationPolls;
          c.writes.push(`delete Pod/${p.name}`);
        }
        for (const o of c.serviceObjects()) c.deleteObject(o);
        return pods.length;
      });
    },

    async waitPodsGone(key: ClusterKey): Promise<void> {
      return run('waitPodsGone', key, [key], (c) => {
        const left = c.listPods();
        for (const p of left) if (p.terminating) p.lingerPolls -= 1;
        if (left.length) throw ApplicationFailure.retryable(`${left.length} member pods still terminating`, 'NotYet');
      });
    },

    /** Every volume of the cluster in name order (as the API server lists them); a set-aside one is always kept, a removed member's one goes with the rest. */
    async releaseVolumes(key: ClusterKey, retain: boolean): Promise<{ deleted: string[]; kept: string[] }> {
      return run('releaseVolumes', key, [key, retain], (c) => {
        const out = { deleted: [] as string[], kept: [] as string[] };
        for (const [name, pvc] of [...c.pvcs].sort(([a], [b]) => a.localeCompare(b))) {
          if (pvc.setAside) {
            out.kept.push(name);
          } else if (retain) {
            if (pvc.owned) c.writes.push(`release PersistentVolumeClaim/${name}`);
            pvc.owned = false;
            out.kept.push(name);
          } else {
            c.pvcs.delete(name);
            c.writes.push(`delete PersistentVolumeClaim/${name}`);
            out.deleted.push(name);
          }
        }
        return out;
      });
    },

    async checkClusterReady(key: ClusterKey, expected: string[]): Promise<MemberHealth[]> {
      return run('checkClusterReady', key, [key, expected], (c) => {
        const members = c.health();
        const names = members.map((m) => m.name).sort();
        const want = [...expected].sort();
        if (names.join() !== want.join()) throw ApplicationFailure.retryable(`members [${names}] != expected [${want}]`, 'NotYet');
        return members;
      });
    },

    /** Every expected member whose pod is running (not terminating) counts as a ready endpoint. */
    async checkClientEndpoints(key: ClusterKey, expected: string[]): Promise<string[]> {
      return run('checkClientEndpoints', key, [key, expected], (c) => {
        const ready = [...c.pods.values()].filter((p) => !p.terminating).map((p) => p.name);
        const missing = expected.filter((m) => !ready.includes(m));
        if (missing.length) throw ApplicationFailure.retryable(`not ready endpoints yet: ${missing}`, 'NotYet');
        return ready.sort();
      });
    },

    // --- backup and restore: the recovery path and the pre-upgrade backup are modelled

    async syncBackupSchedule(key: ClusterKey) {
      return run('syncBackupSchedule', key, [key], () => 'none' as const);
    },
    /** Member volumes (not a removed member's kept one, nor a set-aside one) owned by the cluster exactly when retainOnDelete is false. */
    async syncVolumeOwners(key: ClusterKey) {
      return run('syncVolumeOwners', key, [key], (c) => {
        const out = { owned: [] as string[], released: [] as string[] };
        if (c.deleting) return out;
        for (const [name, pvc] of c.pvcs) {
          if (pvc.removedMember || pvc.owned === !c.retainOnDelete) continue; // a removed member's volume stays released
          pvc.owned = !c.retainOnDelete;
          c.writes.push(`${pvc.owned ? 'own' : 'release'} PersistentVolumeClaim/${name}`);
          (pvc.owned ? out.owned : out.released).push(name);
        }
        return out;
      });
    },
    async reportRestore(key: ClusterKey, r: Parameters<Activities['reportRestore']>[1]) {
      return run('reportRestore', key, [key, r], (c) => { c.writes.push(`restored ${r.location}`); });
    },
    async recoveryCandidates(key: ClusterKey) {
      return run('recoveryCandidates', key, [key], (c) => {
        const all = c.backups ?? (c.latestBackup ? [c.latestBackup] : []);
        if (!all.length) throw ApplicationFailure.nonRetryable('no Succeeded EtcdBackup: nothing to restore from', 'NoBackup');
        return { candidates: [...all].sort((a, b) => (b.revision ?? 0) - (a.revision ?? 0)), skipped: [] };
      });
    },
    async resolveBootstrapSource(key: ClusterKey) {
      return run('resolveBootstrapSource', key, [key], (c) => {
        if (!c.bootstrapBackup) throw ApplicationFailure.nonRetryable('spec.bootstrap.backup is not set', 'InvalidSpec');
        return c.bootstrapBackup;
      });
    },
    /** A stored snapshot is read and its SHA-256 checked (ChecksumMismatch as the real one says it); an injected failure wins. */
    async verifySnapshot(key: ClusterKey, source: RestoreSource) {
      return run('verifySnapshot', key, [key, source], (c) => {
        const bad = c.unusableBackups.get(source.sha256);
        if (bad) throw ApplicationFailure.nonRetryable(bad.message, bad.type);
        const stored = world.snapshots.get(source.location);
        if (stored && stored.sha256 !== source.sha256) {
          throw ApplicationFailure.nonRetryable(`snapshot ${source.location} is corrupt or truncated: sha256 ${stored.sha256} (${stored.sizeBytes} bytes), expected ${source.sha256}`, 'ChecksumMismatch');
        }
        return { sizeBytes: stored?.sizeBytes ?? source.sizeBytes ?? 0 };
      });
    },
    /** A volume (made like the real one) and a restore pod waiting for its stream: no data is written. */
    async prepareRestoreVolume(key: ClusterKey, plan: { member: string; initialMembers: string[]; source: RestoreSource }) {
      return run('prepareRestoreVolume', key, [key, plan], (c) => {
        const claim = pvcName(plan.member);
        if (c.pvcs.get(claim)?.restoredSha256 === plan.source.sha256) return 'already' as const;
        if (!c.pvcs.has(claim)) {
          c.pvcs.set(claim, { owned: !c.retainOnDelete });
          c.writes.push(`create PersistentVolumeClaim/${claim}`);
        }
        return 'prepared' as const;
      });
    },
    /** Restore pods are not modelled; with heldMembers, member pods still at their join gates go. */
    async discardRestorePods(key: ClusterKey, plan: { members: string[]; sha256: string; heldMembers?: boolean }) {
      return run('discardRestorePods', key, [key, plan], (c) => {
        if (!plan.heldMembers) return;
        for (const m of plan.members) {
          if (c.pods.get(m)?.joinGate !== 'closed') continue;
          c.pods.delete(m);
          c.writes.push(`delete Pod/${m}`);
        }
      });
    },
    /** The volume gets the snapshot (skipped when restored from this one already): etcd's membership becomes the restored one (the new members, all voters). */
    async restoreMemberVolume(key: ClusterKey, plan: { member: string; initialMembers: string[]; source: RestoreSource }) {
      return run('restoreMemberVolume', key, [key, plan], (c) => {
        const claim = pvcName(plan.member);
        const volume = c.pvcs.get(claim) ?? { owned: !c.retainOnDelete };
        if (volume.restoredSha256 === plan.source.sha256) return 'already' as const;
        volume.restoredSha256 = plan.source.sha256;
        c.pvcs.set(claim, volume);
        c.writes.push(`restore ${claim}`);
        for (const name of [...c.members.keys()]) if (!plan.initialMembers.includes(name)) c.members.delete(name);
        for (const m of plan.initialMembers) if (!c.members.has(m)) c.members.set(m, c.newMember(false, true));
        return 'restored' as const;
      });
    },
    /** Like the real one: no gate opens unless every volume holds the snapshot; then all open together. */
    async openRestoredGates(key: ClusterKey, plan: { members: string[]; sha256: string }) {
      return run('openRestoredGates', key, [key, plan], (c) => {
        for (const member of plan.members) {
          if (c.pvcs.get(pvcName(member))?.restoredSha256 !== plan.sha256) throw ApplicationFailure.nonRetryable(`the volume of ${member} does not hold snapshot ${plan.sha256.slice(0, 12)}`, 'NotRestored');
        }
        for (const member of plan.members) if (!c.pods.get(member)) throw ApplicationFailure.retryable(`the pod of ${member} does not exist`, 'NotYet');
        for (const member of plan.members) {
          const pod = c.pods.get(member)!;
          if (pod.joinGate !== 'closed') continue;
          pod.joinGate = 'open';
          pod.initialMembers = plan.members;
          c.writes.push(`open join gate ${member}`);
        }
      });
    },
    async checkBackupDone(key: { namespace: string; name: string; uid: string }) {
      return run('checkBackupDone', world.byBackup(key.uid), [key], (c) => ({ phase: c.upgradeBackupPhase, ...(c.upgradeBackupPhase === 'Failed' && { message: 'injected backup failure' }) }));
    },

    // --- rolling updates and maintenance

    async checkUpgradePath(key: ClusterKey) {
      return run('checkUpgradePath', key, [key], (c) => {
        const running = [...c.pods.keys()].map((n) => c.runningVersion(n));
        const problem = upgradePathProblem(running, c.version);
        if (problem) throw ApplicationFailure.nonRetryable(`spec.version ${c.version} refused: ${problem}`, 'UpgradePath');
        return [...new Set(running)].sort();
      });
    },
    async checkImagePulls(key: ClusterKey) {
      return run('checkImagePulls', key, [key], (c) => {
        if (c.missingImages.has(c.image)) throw ApplicationFailure.nonRetryable(`image check of ${c.image}: image ${c.image} cannot be pulled (ErrImagePull)`, 'ImagePull');
        return [...c.pods.values()].every((p) => p.image === c.image) ? 'present' as const : 'pulled' as const;
      });
    },
    async createUpgradeBackup(key: ClusterKey, toVersion: string) {
      return run('createUpgradeBackup', key, [key, toVersion], (c) => {
        if (!c.backupDestination) return undefined;
        const name = `${key.name}-upgrade-${toVersion.replaceAll('.', '-')}`;
        if (!c.writes.includes(`create EtcdBackup/${name}`)) c.writes.push(`create EtcdBackup/${name}`);
        world.backups.set(`${c.key.uid}-backup`, c);
        return { namespace: key.namespace, name, uid: `${c.key.uid}-backup` };
      });
    },
    async memberPodOutdated(key: ClusterKey, member: string) {
      return run('memberPodOutdated', key, [key, member], (c) => {
        const p = c.pods.get(member);
        return !p || p.terminating || p.templateHash !== c.templateHash();
      });
    },
    async deleteOutdatedMemberPod(key: ClusterKey, member: string) {
      return run('deleteOutdatedMemberPod', key, [key, member], (c) => {
        const p = c.pods.get(member);
        if (!p) return 'absent' as const;
        if (!p.terminating && p.templateHash === c.templateHash()) return 'current' as const;
        if (!p.terminating) {
          p.terminating = true;
          p.lingerPolls = c.podTerminationPolls;
          c.writes.push(`delete Pod/${member}`);
          if (c.leader === member) c.leader = c.electLeader(member);
        }
        return 'deleted' as const;
      });
    },
    async checkMemberUpdated(key: ClusterKey, member: string) {
      return run('checkMemberUpdated', key, [key, member], (c) => {
        const m = c.members.get(member);
        if (!m) throw ApplicationFailure.nonRetryable(`${member} is not an etcd member`, 'NotAMember');
        if (m.learner || !c.memberHealthy(member) || !c.hasQuorum()) throw ApplicationFailure.retryable(`${member} is not a healthy voter yet`, 'NotYet');
        return c.runningVersion(member);
      });
    },
    async defragmentMember(key: ClusterKey, member: string) {
      return run('defragmentMember', key, [key, member], (c) => {
        if (!c.memberHealthy(member)) throw ApplicationFailure.retryable(`${member} has no running pod`, 'NotYet');
        c.writes.push(`etcd defrag ${member}`);
        return { before: 2 * 1024 ** 2, after: 1024 ** 2 };
      });
    },
    async compactToCurrent(key: ClusterKey) {
      return run('compactToCurrent', key, [key], (c) => { c.writes.push('etcd compact'); return 42; });
    },
    async disarmNoSpace(key: ClusterKey) {
      return run('disarmNoSpace', key, [key], (c) => {
        const n = c.alarms.filter((a) => a.alarm === 'NOSPACE').length;
        if (n) c.writes.push('etcd disarm NOSPACE');
        c.alarms = c.alarms.filter((a) => a.alarm !== 'NOSPACE');
        return n;
      });
    },
  } satisfies Partial<Activities>;
}
