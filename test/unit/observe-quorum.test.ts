// How an observation decides whether a quorum answers: a linearizable member list, unless a quorum is
// provably out of reach now (some voters answer, fewer than a majority, none knows a leader), which
// ends the wait at once instead of after the linearizable read's deadline. The etcd side is faked
// per endpoint; a member without quorum never answers a linearizable read (here: never resolves).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Etcd3 } from 'etcd3';
import type { EtcdAccess } from '../../activities/etcd/client.ts';
import { membersAndQuorum } from '../../activities/observe.ts';

const IDS = ['11', '22', '33'];
const wire = IDS.map((ID, i) => ({ ID, name: `db-${i}`, peerURLs: [`http://db-${i}:2380`], clientURLs: [`http://db-${i}:2379`] }));
const never = new Promise<never>(() => undefined);

interface Member { status?: { leader: string }; serializable?: boolean; linearizable?: 'answers' | 'hangs' | 'fails' }

/** Endpoints ep0..ep2 for members 11, 22, 33; a member not given (or without status) does not answer. */
let statusCalls = 0;
function access(members: Record<number, Member>): EtcdAccess {
  const client = (i: number) => {
    const m = members[i];
    if (!m) return Promise.reject(new Error('connection refused'));
    return Promise.resolve({
      cluster: {
        memberList: ({ linearizable }: { linearizable: boolean }) => {
          if (!linearizable) return m.serializable === false ? Promise.reject(new Error('refused')) : Promise.resolve({ members: wire });
          if (m.linearizable === 'answers') return Promise.resolve({ members: wire });
          return m.linearizable === 'fails' ? Promise.reject(new Error('context deadline exceeded')) : never;
        },
      },
      maintenance: { status: () => (statusCalls++, m.status ? Promise.resolve({ header: { member_id: IDS[i] }, leader: m.status.leader }) : Promise.reject(new Error('no status'))) },
    } as unknown as Etcd3);
  };
  return {
    pods: [], endpoints: new Map(), creds: {}, rootPasswordChanged: false,
    with: async (hosts: string, fn: (c: Etcd3) => Promise<unknown>) => fn(await client(Number(hosts.slice(2)))),
  } as unknown as EtcdAccess;
}
const EPS = ['ep0', 'ep1', 'ep2'];

// A regression that waits for a read that never answers fails here instead of hanging the run.
describe('membersAndQuorum', { timeout: 10_000 }, () => {
  it('a quorum answers the linearizable list; no member is asked for its status (a healthy cluster costs no more calls)', async () => {
    statusCalls = 0;
    const r = await membersAndQuorum(access({ 0: { status: { leader: '11' }, linearizable: 'answers' }, 1: { status: { leader: '11' }, linearizable: 'answers' } }), EPS, 2000);
    assert.deepEqual(r, { wire, quorum: true });
    assert.equal(statusCalls, 0);
  });

  it('one voter of three answers and knows no leader: no quorum, without waiting for the linearizable read', async () => {
    const r = await membersAndQuorum(access({ 0: { status: { leader: '0' }, linearizable: 'hangs' } }), EPS, 2000);
    assert.deepEqual(r, { wire, quorum: false });
  });

  it('a majority answers while electing (no leader yet): the linearizable read decides', async () => {
    const r = await membersAndQuorum(access({ 0: { status: { leader: '0' }, linearizable: 'answers' }, 1: { status: { leader: '0' }, linearizable: 'answers' } }), EPS, 2000);
    assert.deepEqual(r, { wire, quorum: true });
  });

  it('a minority that still knows a leader proves nothing: the linearizable read decides', async () => {
    const r = await membersAndQuorum(access({ 0: { status: { leader: '22' }, linearizable: 'fails' } }), EPS, 2000);
    assert.deepEqual(r, { wire, quorum: false });
    const up = await membersAndQuorum(access({ 0: { status: { leader: '22' }, linearizable: 'answers' } }), EPS, 2000);
    assert.deepEqual(up, { wire, quorum: true });
  });

  it('no status answers at all proves nothing: the members as one member knows them once the linearizable read failed', async () => {
    const r = await membersAndQuorum(access({ 0: { linearizable: 'fails' } }), EPS, 2000);
    assert.deepEqual(r, { wire, quorum: false });
  });

  it('nobody answers: no members, no quorum', async () => {
    assert.deepEqual(await membersAndQuorum(access({}), EPS, 2000), { wire: undefined, quorum: false });
  });
});
