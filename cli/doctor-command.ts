// `etcdop doctor`: the command's definition; the checks (cli/doctor.ts) load when it runs.
import type { Command } from 'commander';
import { TASK_QUEUE } from '../domain/ids.ts';
import { outputOption, print } from './common.ts';
import type { DoctorOptions } from './doctor.ts';

export function registerDoctorCommand(program: Command): void {
  program.command('doctor')
    .description('check the installation: API server, CRDs, operator Deployment, RBAC, Temporal, search attributes, workers')
    .option('-n, --namespace <ns,...>', 'namespaces the operator should manage (default: what the installed operator watches)')
    .option('--operator-namespace <ns>', 'namespace of the installed operator', 'etcd-operator-system')
    .option('--deployment <name>', "the operator's Deployment", 'etcd-operator')
    .option('--service-account <name>', "the operator's ServiceAccount", 'etcd-operator')
    .option('--task-queue <q>', 'Temporal task queue of the operator', process.env.ETCD_OPERATOR_TASK_QUEUE ?? TASK_QUEUE)
    .option('--on-host', 'the operator runs on this host (etcdop run, npm start), not as a Deployment: check your kubeconfig user\'s permissions (also when no Deployment is found)')
    .addOption(outputOption())
    .action(async (o: DoctorOptions) => {
      const { diagnose } = await import('./doctor.ts');
      const findings = await diagnose(o);
      await print(o.output, findings, () => findings.map((f) => `${f.level.padEnd(4)}  ${f.check.padEnd(40)} ${f.message}`).join('\n'));
      if (findings.some((f) => f.level === 'FAIL')) process.exitCode = 1;
    });
}
