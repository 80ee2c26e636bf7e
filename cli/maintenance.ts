// etcdop maintenance commands: defragment a cluster's members (one at a time, followers first, the
// leader last), run by the cluster's own workflow once it is converged.
import type { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { clusterWorkflowId } from '../domain/ids.ts';
import { defragUpdate, stateQuery } from '../workflows/messages.ts';
import { getCluster, print, withClusterClient } from './common.ts';

export function registerMaintenanceCommands(program: Command): void {
  program.command('defrag <cluster>')
    .description('defragment every member, one at a time (followers first, the leader last), each only while all are healthy')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('--wait', 'wait until the defragmentation finished and print its outcome')
    .option('--timeout <minutes>', 'how long --wait waits', '30')
    .option('-o, --output <fmt>', 'text or json', 'text')
    .action((name: string, o: { namespace: string; wait?: boolean; timeout: string; output: string }) => withClusterClient(name, o.namespace, async (uid, client) => {
      const handle = client.workflow.getHandle(clusterWorkflowId({ uid }));
      const { alreadyRequested } = await handle.executeUpdate(defragUpdate);
      if (!o.wait) {
        print(o.output === 'json', { cluster: `${o.namespace}/${name}`, requested: true, alreadyRequested }, () =>
          `defragmentation of ${o.namespace}/${name} ${alreadyRequested ? 'was already requested' : 'requested'}: it runs once the cluster is converged (etcdop status ${name} -n ${o.namespace})`);
        return;
      }
      const deadline = Date.now() + Number(o.timeout) * 60_000;
      for (;;) {
        const state = await handle.query(stateQuery);
        if (!state.defragRequested && state.current?.type !== 'Defrag') break;
        if (Date.now() > deadline) throw new Error(`still waiting for the defragmentation after ${o.timeout} minutes (step: ${state.current?.step ?? state.lastDecision ?? '-'})`);
        await sleep(2000);
      }
      const last = (await getCluster(name, o.namespace)).status?.lastOperation;
      print(o.output === 'json', { cluster: `${o.namespace}/${name}`, lastOperation: last }, () => `${last?.type ?? '-'} ${last?.result ?? '-'}: ${last?.message ?? ''}`);
      if (last?.type !== 'Defrag' || last.result !== 'Succeeded') process.exitCode = 1;
    }));
}
