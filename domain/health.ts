// The one definition of a healthy member, used by the reconcile loop's observation and by every
// wait for a ready cluster. Pure.

/** What a member answered to a status call (etcd's StatusResponse, the fields that matter here). */
export interface MemberStatus {
  /** The leader's member id as etcd reports it ('0': no leader). */
  leader?: string;
  errors?: string[];
}

/**
 * A member is healthy when it answers status, knows a leader (one that lost it answers but cannot
 * serve), and reports no errors other than a NOSPACE alarm (it still serves reads; the planner
 * clears it). One that does not answer at all is not healthy.
 */
export function memberHealthy(status: MemberStatus | undefined): boolean {
  if (!status) return false;
  if (status.leader === '0') return false;
  return (status.errors ?? []).filter((e) => !/alarm:\s*NOSPACE/i.test(e)).length === 0;
}
