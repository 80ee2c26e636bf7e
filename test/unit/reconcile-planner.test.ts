// The reconcile planner, table-driven: every case names the observation and the one step it must
// choose (or that it must do nothing), with the data-safety rules as the cases that matter most.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { planNext, type Decision } from '../../workflows/reconcile-planner.ts';
import { freshMemberName, memberIndex, nameFromPeerURL, quorumOf } from '../../domain/members.ts';
import type { ClusterObservation, ObservedMember, ObservedNode, ObservedPod } from '../../domain/types.ts';

const C = 'db';
type M = Partial<ObservedMember> & { name: string };
const member = (m: M): ObservedMember => ({ id: (0x100 + (memberIndex(C, m.name) ?? 99)).toString(16), peerURL: `http://${m.name}.db.ns.svc:2380`, learner: false, started: true, healthy: true, leader: false, ...m });
const pod = (name: string, p: Partial<ObservedPod> = {}): ObservedPod => ({ name, uid: `${name}-uid`, phase: 'Running', ready: true, terminating: false, restarts: 0, crashLooping: false, ...p });

/** A healthy cluster of these members (the first leads), each with its pod and volume, then the overrides. */
function obs(names: string[], o: Partial<ClusterObservation> & { members?: ObservedMember[] } = {}): ClusterObservation {
  const members = o.members ?? names.map((n, i) => member({ name: n, leader: i === 0 }));
  return {
    reachable: true, quorum: true, members, pods: names.map((n) => pod(n)), volumes: [...names],
    highestIndex: Math.max(-1, ...names.map((n) => memberIndex(C, n) ?? -1)), bootstrapped: true, ...o,
  };
}
const three = ['db-0', 'db-1', 'db-2'];
const want = (size: number, emptyDir = false) => ({ size, emptyDir });

interface Case { name: string; size: number; emptyDir?: boolean; o: ClusterObservation; expect: { kind: Decision['kind']; quorumLost?: boolean; change?: object } }

const cases: Case[] = [
  { name: 'a healthy cluster at its size is converged', size: 3, o: obs(three), expect: { kind: 'converged' } },
  { name: 'scale up 3 -> 5 adds one member with a fresh name above every index seen', size: 5, o: obs(three, { highestIndex: 7 }),
    expect: { kind: 'operate', change: { type: 'Scale', action: 'add', member: 'db-8', votersAfter: 4, size: 5 } } },
  { name: 'scale up from 1 adds db-1', size: 3, o: obs(['db-0']), expect: { kind: 'operate', change: { type: 'Scale', action: 'add', member: 'db-1', votersAfter: 2, size: 3 } } },
  { name: 'scale down 5 -> 3 removes the newest follower first', size: 3, o: obs(['db-0', 'db-1', 'db-2', 'db-3', 'db-4']),
    expect: { kind: 'operate', change: { type: 'Scale', action: 'remove', member: 'db-4', votersAfter: 4, size: 3 } } },
  { name: 'scale down removes an unhealthy member before a healthy one', size: 2,
    o: obs(three, { members: [member({ name: 'db-0', leader: true }), member({ name: 'db-1', healthy: false }), member({ name: 'db-2' })] }),
    expect: { kind: 'operate', change: { type: 'Scale', action: 'remove', member: 'db-1', votersAfter: 2, size: 2 } } },
  { name: 'scale down to 1 removes the leader last (the operation moves leadership first)', size: 1,
    o: obs(['db-0', 'db-1'], { members: [member({ name: 'db-0' }), member({ name: 'db-1', leader: true })] }),
    expect: { kind: 'operate', change: { type: 'Scale', action: 'remove', member: 'db-0', votersAfter: 1, size: 1 } } },
  { name: 'a 2-member cluster whose only follower leaves keeps the leader', size: 1, o: obs(['db-0', 'db-1']),
    expect: { kind: 'operate', change: { type: 'Scale', action: 'remove', member: 'db-1', votersAfter: 1, size: 1 } } },
  { name: 'a deleted pod whose volume holds its data is restarted as the same member', size: 3,
    o: obs(three, { pods: [pod('db-0'), pod('db-2')], members: [member({ name: 'db-0', leader: true }), member({ name: 'db-1', healthy: false }), member({ name: 'db-2' })] }),
    expect: { kind: 'operate', change: { type: 'RestartMember', member: 'db-1' } } },
  { name: 'an evicted (Failed) pod is restarted on its volume', size: 3,
    o: obs(three, { pods: [pod('db-0'), pod('db-1', { phase: 'Failed', ready: false }), pod('db-2')] }),
    expect: { kind: 'operate', change: { type: 'RestartMember', member: 'db-1' } } },
  { name: 'a terminating pod is waited for, not restarted', size: 3,
    o: obs(three, { pods: [pod('db-0'), pod('db-1', { terminating: true, ready: false }), pod('db-2')], members: [member({ name: 'db-0', leader: true }), member({ name: 'db-1', healthy: false }), member({ name: 'db-2' })] }),
    expect: { kind: 'wait' } },
  { name: 'pods restart on their volumes even without quorum (no membership change needed)', size: 3,
    o: obs(three, { quorum: false, pods: [pod('db-0')], members: [member({ name: 'db-0', healthy: false }), member({ name: 'db-1', healthy: false }), member({ name: 'db-2', healthy: false })] }),
    expect: { kind: 'operate', change: { type: 'RestartMember', member: 'db-1' } } },
  { name: 'no member answers but volumes exist: a pod-less member is started on its volume', size: 3,
    o: obs(three, { reachable: false, quorum: false, members: [], pods: [pod('db-1', { ready: false }), pod('db-2', { ready: false })] }),
    expect: { kind: 'operate', change: { type: 'RestartMember', member: 'db-0' } } },
  { name: 'no member answers and every pod runs: wait (quorum lost), nothing destructive', size: 3,
    o: obs(three, { reachable: false, quorum: false, members: [] }), expect: { kind: 'wait', quorumLost: true } },
  { name: 'a lost volume (pod and PVC gone) with quorum kept: replace with a fresh name', size: 3,
    o: obs(three, { pods: [pod('db-0'), pod('db-2')], volumes: ['db-0', 'db-2'], members: [member({ name: 'db-0', leader: true }), member({ name: 'db-1', healthy: false }), member({ name: 'db-2' })] }),
    expect: { kind: 'operate', change: { type: 'ReplaceMember', member: 'db-1', replacement: 'db-3' } } },
  { name: 'an emptyDir member whose pod is gone lost its data: replaced', size: 3, emptyDir: true,
    o: obs(three, { volumes: [], pods: [pod('db-0'), pod('db-2')], members: [member({ name: 'db-0', leader: true }), member({ name: 'db-1', healthy: false }), member({ name: 'db-2' })] }),
    expect: { kind: 'operate', change: { type: 'ReplaceMember', member: 'db-1', replacement: 'db-3' } } },
  { name: 'a member crash-looping past the threshold is replaced', size: 3,
    o: obs(three, { pods: [pod('db-0'), pod('db-1', { ready: false, crashLooping: true, restarts: 4 }), pod('db-2')], members: [member({ name: 'db-0', leader: true }), member({ name: 'db-1', healthy: false }), member({ name: 'db-2' })] }),
    expect: { kind: 'operate', change: { type: 'ReplaceMember', member: 'db-1', replacement: 'db-3' } } },
  { name: 'a member that restarted once is given time (below the crash-loop threshold)', size: 3,
    o: obs(three, { pods: [pod('db-0'), pod('db-1', { ready: false, crashLooping: true, restarts: 1 }), pod('db-2')], members: [member({ name: 'db-0', leader: true }), member({ name: 'db-1', healthy: false }), member({ name: 'db-2' })] }),
    expect: { kind: 'wait', quorumLost: false } },
  { name: '2 of 3 lost their data: never a replacement (it would need quorum), a recovery from backup instead', size: 3,
    o: obs(three, { quorum: false, pods: [pod('db-0')], volumes: ['db-0'], members: [member({ name: 'db-0', leader: false }), member({ name: 'db-1', healthy: false }), member({ name: 'db-2', healthy: false })] }),
    expect: { kind: 'recover' } },
  { name: '4 voters, 2 lost their data: the 2 left can never make quorum (3): recovery', size: 4,
    o: obs(['db-0', 'db-1', 'db-2', 'db-3'], { quorum: false, pods: [pod('db-0'), pod('db-1')], volumes: ['db-0', 'db-1'],
      members: [member({ name: 'db-0', healthy: false }), member({ name: 'db-1', healthy: false }), member({ name: 'db-2', healthy: false }), member({ name: 'db-3', healthy: false })] }),
    expect: { kind: 'recover' } },
  { name: 'quorum lost but a lost member\'s pod is only terminating: wait, not recover', size: 3,
    o: obs(three, { quorum: false, pods: [pod('db-0'), pod('db-1', { terminating: true, ready: false })], volumes: ['db-0'],
      members: [member({ name: 'db-0', healthy: false }), member({ name: 'db-1', healthy: false }), member({ name: 'db-2', healthy: false })] }),
    expect: { kind: 'wait', quorumLost: true } },
  { name: 'a member whose pod is gone but volume is kept is restarted before any recovery is considered', size: 3,
    o: obs(three, { quorum: false, pods: [pod('db-0')], volumes: ['db-0', 'db-1'], members: [member({ name: 'db-0', healthy: false }), member({ name: 'db-1', healthy: false }), member({ name: 'db-2', healthy: false })] }),
    expect: { kind: 'operate', change: { type: 'RestartMember', member: 'db-1' } } },
  { name: 'nothing left of a bootstrapped cluster (no pod, no volume, nobody answers): recovery', size: 3,
    o: obs(three, { reachable: false, quorum: false, members: [], pods: [], volumes: [] }), expect: { kind: 'recover' } },
  { name: 'nothing there and never bootstrapped: wait (Create is the loop\'s business)', size: 3,
    o: obs(three, { reachable: false, quorum: false, members: [], pods: [], volumes: [], bootstrapped: false }), expect: { kind: 'wait', quorumLost: true } },
  { name: 'with 4 voters and 2 lost with their volumes, quorum can never return: recovery', size: 4,
    o: obs(['db-0', 'db-1', 'db-2', 'db-3'], { quorum: false, pods: [pod('db-0'), pod('db-1')], volumes: ['db-0', 'db-1'],
      members: [member({ name: 'db-0', leader: true }), member({ name: 'db-1' }), member({ name: 'db-2', healthy: false }), member({ name: 'db-3', healthy: false })] }),
    expect: { kind: 'recover' } },
  { name: 'with 5 voters and 2 lost, one is replaced at a time (3 healthy of the 4 left keep quorum)', size: 5,
    o: obs(['db-0', 'db-1', 'db-2', 'db-3', 'db-4'], { pods: [pod('db-0'), pod('db-1'), pod('db-4')], volumes: ['db-0', 'db-1', 'db-4'],
      members: [member({ name: 'db-0', leader: true }), member({ name: 'db-1' }), member({ name: 'db-2', healthy: false }), member({ name: 'db-3', healthy: false }), member({ name: 'db-4' })] }),
    expect: { kind: 'operate', change: { type: 'ReplaceMember', member: 'db-2', replacement: 'db-5' } } },
  { name: 'a learner left by an interrupted scale-up finishes joining', size: 4,
    o: obs(['db-0', 'db-1', 'db-2', 'db-3'], { members: [...three.map((n, i) => member({ name: n, leader: i === 0 })), member({ name: 'db-3', learner: true, healthy: false })] }),
    expect: { kind: 'operate', change: { type: 'Scale', action: 'add', member: 'db-3', votersAfter: 4, size: 4 } } },
  { name: 'a learner is removed when the size no longer needs it', size: 3,
    o: obs(['db-0', 'db-1', 'db-2', 'db-3'], { members: [...three.map((n, i) => member({ name: n, leader: i === 0 })), member({ name: 'db-3', learner: true })] }),
    expect: { kind: 'operate', change: { type: 'Scale', action: 'remove', member: 'db-3', votersAfter: 3, size: 3 } } },
  { name: 'an unstarted learner without a pod yet is still joined (its pod comes next)', size: 4,
    o: obs(three, { members: [...three.map((n, i) => member({ name: n, leader: i === 0 })), member({ name: 'db-3', learner: true, started: false, healthy: false })] }),
    expect: { kind: 'operate', change: { type: 'Scale', action: 'add', member: 'db-3' } } },
  { name: 'a pod that is no etcd member (removal cut short) has its leftovers removed', size: 3,
    o: obs(three, { pods: [...three.map((n) => pod(n)), pod('db-5', { ready: false })], volumes: [...three, 'db-5'] }),
    expect: { kind: 'operate', change: { type: 'Scale', action: 'remove', member: 'db-5', votersAfter: 3, size: 3 } } },
  { name: 'a member still starting (pod there, not healthy yet) is waited for', size: 3,
    o: obs(three, { members: [member({ name: 'db-0', leader: true }), member({ name: 'db-1', healthy: false }), member({ name: 'db-2' })] }),
    expect: { kind: 'wait', quorumLost: false } },
  { name: 'scale down never takes a step that would lose quorum', size: 1,
    o: obs(three, { members: [member({ name: 'db-0', leader: true }), member({ name: 'db-1', healthy: false }), member({ name: 'db-2', healthy: false })], quorum: false }),
    expect: { kind: 'wait', quorumLost: true } },
];

describe('planNext', () => {
  for (const c of cases) {
    it(c.name, () => {
      const d = planNext(C, want(c.size, c.emptyDir), c.o);
      const { change, ...rest } = c.expect;
      for (const [k, v] of Object.entries(rest)) assert.deepEqual((d as Record<string, unknown>)[k], v, `${k}: ${JSON.stringify(d)}`);
      if (change) {
        assert.equal(d.kind, 'operate', JSON.stringify(d));
        for (const [k, v] of Object.entries(change)) assert.deepEqual((d as { change: Record<string, unknown> }).change[k], v, `change.${k}: ${JSON.stringify(d)}`);
      }
      assert.ok(d.reason.length > 10, 'every decision carries a reason a human can read');
    });
  }

  it('never removes or replaces a voter when the remaining healthy voters would be below quorum, for every size and failure count', () => {
    for (let n = 1; n <= 9; n++) {
      for (let down = 0; down <= n; down++) {
        for (const size of [1, n, 9]) {
          const names = Array.from({ length: n }, (_, i) => `db-${i}`);
          const members = names.map((name, i) => member({ name, healthy: i >= down, leader: i === down }));
          const o = obs(names, { members, quorum: n - down >= quorumOf(n), pods: names.map((name, i) => pod(name, i < down ? { ready: false, crashLooping: true, restarts: 9 } : {})) });
          const d = planNext(C, want(size), o);
          if (d.kind !== 'operate' || !('member' in d.change) || d.change.type === 'RestartMember' || (d.change.type === 'Scale' && d.change.action === 'add')) continue;
          const leaving = d.change.member;
          const victim = members.find((m) => m.name === leaving);
          if (!victim || victim.learner) continue;
          const remaining = members.filter((m) => m.healthy && m !== victim).length;
          assert.ok(remaining >= quorumOf(n - 1), `n=${n} down=${down} size=${size}: ${JSON.stringify(d)}`);
        }
      }
    }
  });
});

describe('node loss and drain', () => {
  const n = (name: string, o: Partial<ObservedNode> = {}): ObservedNode => ({ name, ready: true, unschedulable: false, ...o });
  const placed = (o: Partial<ClusterObservation> = {}): ClusterObservation => obs(three, {
    pods: three.map((m, i) => pod(m, { node: `node-${i + 1}` })),
    nodes: [n('node-1'), n('node-2'), n('node-3')],
    volumeNodes: { 'db-0': 'node-1', 'db-1': 'node-2', 'db-2': 'node-3' },
    members: [member({ name: 'db-0', leader: true }), member({ name: 'db-1', healthy: false }), member({ name: 'db-2' })],
    ...o,
  });
  const lostNode2 = (secs: number) => [n('node-1'), n('node-2', { ready: false, notReadySeconds: secs }), n('node-3')];
  const plan = (o: ClusterObservation, grace?: number) => planNext(C, { ...want(3), ...(grace !== undefined && { nodeLossGraceSeconds: grace }) }, o);

  it('a member on a node NotReady past the grace period is replaced with a fresh name', () => {
    const d = plan(placed({ nodes: lostNode2(30) }), 20);
    assert.equal(d.kind, 'operate');
    assert.deepEqual((d as { change: object }).change, { type: 'ReplaceMember', member: 'db-1', replacement: 'db-3' });
    assert.match(d.reason, /db-1 cannot come back where it is: its node node-2 has been NotReady for 30s \(grace period 20s\)/);
  });
  it('within the grace period it waits and says when the member will be replaced', () => {
    const d = plan(placed({ nodes: lostNode2(10) }), 20);
    assert.equal(d.kind, 'wait');
    assert.match(d.reason, /db-1 \(its node node-2 is NotReady \(10s; replaced after 20s\)\)/);
  });
  it('the default grace period is 120s', () => {
    assert.equal(plan(placed({ nodes: lostNode2(119) })).kind, 'wait');
    assert.equal(plan(placed({ nodes: lostNode2(120) })).kind, 'operate');
  });
  it('a member etcd counts healthy is never moved, whatever its node says (a dead kubelet, a live member)', () => {
    const o = placed({ nodes: lostNode2(600), members: three.map((name, i) => member({ name, leader: i === 0 })) });
    assert.equal(plan(o, 0).kind, 'converged');
  });
  it('a pod whose node object is gone is replaced at once', () => {
    const d = plan(placed({ nodes: [n('node-1'), n('node-3')] }), 300);
    assert.match(d.reason, /its node node-2 is gone/);
    assert.equal(d.kind, 'operate');
  });
  it('a pod stuck terminating on a lost node (evicted by Kubernetes) is replaced too', () => {
    const o = placed({ nodes: lostNode2(400), pods: three.map((m, i) => pod(m, { node: `node-${i + 1}`, ...(i === 1 && { terminating: true, ready: false }) })) });
    assert.equal((plan(o, 120) as { change?: { type: string } }).change?.type, 'ReplaceMember');
  });
  it('drain: an evicted member whose volume is pinned to the cordoned node is replaced, not restarted there', () => {
    const o = placed({ pods: [pod('db-0', { node: 'node-1' }), pod('db-2', { node: 'node-3' })], nodes: [n('node-1'), n('node-2', { unschedulable: true }), n('node-3')] });
    const d = plan(o);
    assert.deepEqual((d as { change: object }).change, { type: 'ReplaceMember', member: 'db-1', replacement: 'db-3' });
    assert.match(d.reason, /its volume is on node node-2, which is cordoned \(drained\)/);
  });
  it('drain: a restarted pod left Pending (unscheduled) on a volume of a cordoned node is replaced', () => {
    const o = placed({ pods: [pod('db-0', { node: 'node-1' }), pod('db-1', { phase: 'Pending', ready: false }), pod('db-2', { node: 'node-3' })], nodes: [n('node-1'), n('node-2', { unschedulable: true }), n('node-3')] });
    assert.equal((plan(o) as { change?: { type: string } }).change?.type, 'ReplaceMember');
  });
  it('a deleted pod whose volume is on a cordoned node but the pod still runs elsewhere: nothing to do', () => {
    const o = placed({ members: three.map((name, i) => member({ name, leader: i === 0 })), nodes: [n('node-1'), n('node-2', { unschedulable: true }), n('node-3')] });
    assert.equal(plan(o).kind, 'converged');
  });
  it('a volume on a healthy node is still restarted in place (nodes known, nothing lost)', () => {
    const o = placed({ pods: [pod('db-0', { node: 'node-1' }), pod('db-2', { node: 'node-3' })] });
    assert.deepEqual((plan(o) as { change: object }).change, { type: 'RestartMember', member: 'db-1' });
  });
  it('nodes unknown (not readable): nothing is stranded, the member waits', () => {
    const o = placed({ nodes: undefined, volumeNodes: undefined });
    assert.equal(plan(o, 0).kind, 'wait');
  });
  it('two of three nodes lost: quorum is gone, nothing is replaced (the nodes may come back)', () => {
    const o = placed({ quorum: false, nodes: [n('node-1'), n('node-2', { ready: false, notReadySeconds: 900 }), n('node-3', { ready: false, notReadySeconds: 900 })],
      members: [member({ name: 'db-0', leader: true }), member({ name: 'db-1', healthy: false }), member({ name: 'db-2', healthy: false })] });
    const d = plan(o, 0);
    assert.deepEqual([d.kind, (d as { quorumLost?: boolean }).quorumLost], ['wait', true]);
  });
  it('five members, two lost nodes: replaced one at a time, the first by name', () => {
    const five = ['db-0', 'db-1', 'db-2', 'db-3', 'db-4'];
    const o = obs(five, {
      pods: five.map((m, i) => pod(m, { node: `node-${i + 1}` })),
      nodes: five.map((_, i) => n(`node-${i + 1}`, i === 1 || i === 3 ? { ready: false, notReadySeconds: 60 } : {})),
      members: five.map((name, i) => member({ name, leader: i === 0, healthy: i !== 1 && i !== 3 })),
    });
    assert.deepEqual((plan(o, 30) as { change: object }).change, { type: 'ReplaceMember', member: 'db-1', replacement: 'db-5' });
  });
  it('a learner on a lost node is taken out instead of waited for', () => {
    const o = placed({ members: [member({ name: 'db-0', leader: true }), member({ name: 'db-1', healthy: false, learner: true }), member({ name: 'db-2' })], nodes: lostNode2(60) });
    assert.deepEqual((plan(o, 30) as { change: object }).change, { type: 'Scale', action: 'remove', member: 'db-1', votersAfter: 2, size: 3 });
  });
});

describe('rolling updates and NOSPACE', () => {
  const H = 'hash-new';
  const desired = (o: Partial<{ version: string; emptyDir: boolean; size: number }> = {}) => ({ size: o.size ?? 3, emptyDir: o.emptyDir ?? false, version: o.version ?? '3.6.16', image: `etcd:v${o.version ?? '3.6.16'}`, podTemplateHash: H });
  const running = (version: string, hash = 'hash-old') => (n: string) => pod(n, { templateHash: hash, image: `etcd:v${version}` });
  const withVersions = (v: string, leader = 'db-0') => three.map((n) => member({ name: n, leader: n === leader, version: v }));

  it('a version change restarts every member in one Upgrade: followers by name, the leader last', () => {
    const d = planNext(C, desired(), obs(three, { members: withVersions('3.5.35', 'db-1'), pods: three.map(running('3.5.35')) }));
    assert.deepEqual(d.kind === 'operate' && d.change, { type: 'Upgrade', from: '3.5.35', to: '3.6.16', members: ['db-0', 'db-2', 'db-1'], templateHash: H });
  });
  it('a pod change at the same version is a RollingUpdate of the outdated members only', () => {
    const pods = [pod('db-0', { templateHash: H }), running('3.6.16')('db-1'), running('3.6.16')('db-2')];
    const d = planNext(C, desired(), obs(three, { members: withVersions('3.6.16'), pods }));
    assert.deepEqual(d.kind === 'operate' && d.change, { type: 'RollingUpdate', members: ['db-1', 'db-2'], templateHash: H });
  });
  it('pods already made from the desired template restart nothing', () => {
    const d = planNext(C, desired(), obs(three, { members: withVersions('3.6.16'), pods: three.map((n) => pod(n, { templateHash: H })) }));
    assert.equal(d.kind, 'converged');
  });
  it('pods without a hash (made by an older operator) roll only when their image differs', () => {
    const same = planNext(C, desired(), obs(three, { members: withVersions('3.6.16'), pods: three.map((n) => pod(n, { image: 'etcd:v3.6.16' })) }));
    assert.equal(same.kind, 'converged');
    const other = planNext(C, desired(), obs(three, { members: withVersions('3.5.35'), pods: three.map((n) => pod(n, { image: 'etcd:v3.5.35' })) }));
    assert.equal(other.kind === 'operate' && other.change.type, 'Upgrade');
  });
  it('nothing is restarted while a member is unhealthy or the cluster is resizing', () => {
    const members = withVersions('3.5.35').map((m) => (m.name === 'db-2' ? { ...m, healthy: false } : m));
    assert.equal(planNext(C, desired(), obs(three, { members, pods: three.map(running('3.5.35')) })).kind, 'wait');
    const grow = planNext(C, desired({ size: 5 }), obs(three, { members: withVersions('3.5.35'), pods: three.map(running('3.5.35')) }));
    assert.equal(grow.kind === 'operate' && grow.change.type, 'Scale');
  });
  it('emptyDir members are replaced (fresh names), never restarted in place, one at a time, the leader last', () => {
    const d = planNext(C, desired({ emptyDir: true }), obs(three, { members: withVersions('3.5.35', 'db-0'), pods: three.map(running('3.5.35')) }));
    assert.deepEqual(d.kind === 'operate' && d.change, { type: 'ReplaceMember', member: 'db-1', replacement: 'db-3' });
  });
  it('a NOSPACE alarm with every voter healthy compacts, defragments (leader last) and disarms', () => {
    const d = planNext(C, desired(), obs(three, { members: withVersions('3.6.16'), pods: three.map((n) => pod(n, { templateHash: H })), alarms: [{ member: 'db-2', alarm: 'NOSPACE' }] }));
    assert.deepEqual(d.kind === 'operate' && d.change, { type: 'Defrag', members: ['db-1', 'db-2', 'db-0'], noSpace: true });
    assert.match(d.reason, /NOSPACE alarm on db-2/);
  });
  it('a NOSPACE alarm waits for a member that is down to be repaired first', () => {
    const members = withVersions('3.6.16').map((m) => (m.name === 'db-2' ? { ...m, healthy: false } : m));
    const d = planNext(C, desired(), obs(three, { members, pods: three.map((n) => pod(n, { templateHash: H })), alarms: [{ member: 'db-0', alarm: 'NOSPACE' }] }));
    assert.notEqual(d.kind === 'operate' && d.change.type, 'Defrag');
  });
});

describe('authentication', () => {
  const desired = (authEnabled?: boolean) => ({ size: 3, emptyDir: false, ...(authEnabled !== undefined && { authEnabled }) });
  it('spec.auth.enabled with auth off in etcd turns it on, once everything else converged', () =>
    assert.deepEqual(planNext(C, desired(true), obs(three, { authEnabled: false })), { kind: 'operate', change: { type: 'ConfigureAuth', enable: true }, reason: 'spec.auth.enabled is true: turning authentication on' }));
  it('spec.auth.enabled false with auth on in etcd turns it off', () => {
    const d = planNext(C, desired(false), obs(three, { authEnabled: true }));
    assert.deepEqual(d.kind === 'operate' && d.change, { type: 'ConfigureAuth', enable: false });
  });
  it('matching, or unknown on either side (nobody answered, an older operator\'s snapshot): nothing', () => {
    assert.equal(planNext(C, desired(true), obs(three, { authEnabled: true })).kind, 'converged');
    assert.equal(planNext(C, desired(true), obs(three)).kind, 'converged');
    assert.equal(planNext(C, desired(), obs(three, { authEnabled: true })).kind, 'converged');
  });
  it('a resize comes first: auth waits until the members are in place', () => {
    const d = planNext(C, { size: 5, emptyDir: false, authEnabled: true }, obs(three, { authEnabled: false }));
    assert.equal(d.kind === 'operate' && d.change.type, 'Scale');
  });
  it("a changed root Secret with auth on changes root's password (ConfigureAuth on again)", () => {
    const d = planNext(C, desired(true), obs(three, { authEnabled: true, rootPasswordChanged: true }));
    assert.deepEqual(d.kind === 'operate' && d.change, { type: 'ConfigureAuth', enable: true });
    assert.match(d.reason, /root Secret's password is not the one etcd has/);
  });
  it('a changed root Secret while auth is being turned off, or with spec.auth unset: not changed in etcd', () => {
    assert.deepEqual((({ kind, change }) => ({ kind, change }))(planNext(C, desired(false), obs(three, { authEnabled: true, rootPasswordChanged: true })) as { kind: string; change: unknown }), { kind: 'operate', change: { type: 'ConfigureAuth', enable: false } });
    assert.equal(planNext(C, desired(), obs(three, { authEnabled: true, rootPasswordChanged: true })).kind, 'converged');
  });
  it('a resize comes before a root password change', () => {
    const d = planNext(C, { size: 5, emptyDir: false, authEnabled: true }, obs(three, { authEnabled: true, rootPasswordChanged: true }));
    assert.equal(d.kind === 'operate' && d.change.type, 'Scale');
  });
});

describe('member names', () => {
  it('parse indexes of this cluster only', () => {
    assert.equal(memberIndex('db', 'db-12'), 12);
    assert.equal(memberIndex('db', 'db-x'), undefined);
    assert.equal(memberIndex('db', 'dbx-1'), undefined);
    assert.equal(memberIndex('db', 'db-01'), undefined);
    assert.equal(memberIndex('db-1', 'db-1-3'), 3);
  });
  it('a fresh name is above the highest index ever seen', () => assert.equal(freshMemberName('db', 4), 'db-5'));
  it('an unstarted member has no name: it comes from the peer URL', () => assert.equal(nameFromPeerURL('http://db-3.db.ns.svc:2380'), 'db-3'));
  it('https peer URLs (spec.tls) name their member too', () => assert.equal(nameFromPeerURL('https://db-3.db.ns.svc:2380'), 'db-3'));
});
