// The activity proxies (workflow-side stubs), one per option group, each under one name that says
// its policy (see activity-options.ts); never imported under another name. Only types come from activities/.
// Every call carries a one-line summary (what it acts on) that the Temporal UI shows in the history.
import { proxyActivities, type ActivityInterfaceFor } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { backupWait, etcdApi, kubeApi, kubeApiUntilDone, maintenanceCall, observation, snapshotTransfer, waitPoll } from './activity-options.ts';
import { activitySummary } from './summaries.ts';

type Proxy = ActivityInterfaceFor<Activities>;

function summarized(proxy: Proxy): Proxy {
  return new Proxy(proxy, {
    get(target, name) {
      const fn = target[name as keyof Proxy];
      if (typeof name !== 'string' || typeof fn?.executeWithOptions !== 'function') return fn;
      const call = (...args: unknown[]) => {
        const summary = activitySummary(args);
        return fn.executeWithOptions(summary ? { summary } : {}, args as never);
      };
      return Object.assign(call, { executeWithOptions: fn.executeWithOptions });
    },
  });
}

export const kubeBounded = summarized(proxyActivities<Activities>(kubeApi));
export const kubeUntilDone = summarized(proxyActivities<Activities>(kubeApiUntilDone));
export const etcd = summarized(proxyActivities<Activities>(etcdApi));
export const poll = summarized(proxyActivities<Activities>(waitPoll));
export const observe = summarized(proxyActivities<Activities>(observation));
export const transfer = summarized(proxyActivities<Activities>(snapshotTransfer));
export const backupPoll = summarized(proxyActivities<Activities>(backupWait));
export const maintenance = summarized(proxyActivities<Activities>(maintenanceCall));
