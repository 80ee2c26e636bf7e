// The activity proxies (workflow-side stubs), one per option group, each under one name that says
// its policy (see activity-options.ts); never imported under another name. Only types come from activities/.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { backupWait, etcdApi, kubeApi, kubeApiUntilDone, maintenanceCall, observation, snapshotTransfer, waitPoll } from './activity-options.ts';

export const kubeBounded = proxyActivities<Activities>(kubeApi);
export const kubeUntilDone = proxyActivities<Activities>(kubeApiUntilDone);
export const etcd = proxyActivities<Activities>(etcdApi);
export const poll = proxyActivities<Activities>(waitPoll);
export const observe = proxyActivities<Activities>(observation);
export const transfer = proxyActivities<Activities>(snapshotTransfer);
export const backupPoll = proxyActivities<Activities>(backupWait);
export const maintenance = proxyActivities<Activities>(maintenanceCall);
