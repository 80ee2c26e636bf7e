// The activity proxies (workflow-side stubs), one per option group. Only types come from activities/.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { etcdApi, kubeApi, kubeApiUntilDone, observation, waitPoll } from './activity-options.ts';

export const kube = proxyActivities<Activities>(kubeApi);
export const kubeUntilDone = proxyActivities<Activities>(kubeApiUntilDone);
export const etcd = proxyActivities<Activities>(etcdApi);
export const poll = proxyActivities<Activities>(waitPoll);
export const observe = proxyActivities<Activities>(observation);
