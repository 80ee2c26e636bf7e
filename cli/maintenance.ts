// etcdop maintenance commands: defragment a cluster's members (one at a time, followers first, the
// leader last), run by the cluster's own workflow once it is converged.
import type { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { outputOption, getCluster, print, withClusterClient, clusterLoop } from './common.ts';

export function registerMaintenanceCommands(program: Command, nsHelp: string): void {
  program.command('defrag <cluster>')
    .description('defragment every member, one at a time (followers first, the leader last), each only while all are healthy')
    .option('-n, --namespace <ns>', nsHelp)
    .option('--wait', 'wait until the defragmentation finished and print its outcome')
    .option('-w, --watch', 'like --wait, printing each step (member, elapsed) as it goes')
    .option('--timeout <minutes>', 'how long --wait waits', '30')
    .addOption(outputOption())
    .action((name: string, o: { namespace?: string; wait?: boolean; watch?: boolean; timeout: string; output: string }) => withClusterClient(name, o, async (key, client, ns) => {
      const { defragUpdate, stateQuery } = await import('../workflows/messages.ts');
      const handle = await clusterLoop(client, key);
      const { alreadyRequested } = await handle.executeUpdate(defragUpdate);
      if (!o.wait && !o.watch) {
        await print(o.output, { cluster: `${ns}/${name}`, requested: true, alreadyRequested }, () =>
          `defragmentation of ${ns}/${name} ${alreadyRequested ? 'was already requested' : 'requested'}: it runs once the cluster is converged (etcdop status ${name} -n ${ns})`);
        return;
      }
      const deadline = Date.now() + Number(o.timeout) * 60_000;
      const show = o.watch ? (await import('./status.ts')).progressPrinter(o.output) : undefined;
      for (;;) {
        if (show) await show(await getCluster(name, ns));
        const state = await handle.query(stateQuery);
        if (!state.defragRequested && state.current?.type !== 'Defrag') break;
        if (Date.now() > deadline) throw new Error(`still waiting for the defragmentation after ${o.timeout} minutes (step: ${state.current?.step ?? state.lastDecision ?? '-'})`);
        await sleep(2000);
      }
      const last = (await getCluster(name, ns)).status?.lastOperation;
      await print(o.output, { cluster: `${ns}/${name}`, lastOperation: last }, () => `${last?.type ?? '-'} ${last?.result ?? '-'}: ${last?.message ?? ''}`);
      if (last?.type !== 'Defrag' || last.result !== 'Succeeded') process.exitCode = 1;
    }));
}
