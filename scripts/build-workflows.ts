// Prebuilds the workflow bundle (dist/workflow-bundle.js) so a production worker starts without
// running webpack; worker/worker.ts loads it when ETCD_OPERATOR_WORKFLOW_BUNDLE names it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { prebuiltBundlePath, workflowsPath } from '../worker/worker.ts';

const { code } = await bundleWorkflowCode({ workflowsPath });
mkdirSync(new URL('../dist/', import.meta.url), { recursive: true });
writeFileSync(prebuiltBundlePath, code);
console.log(`workflow bundle: ${prebuiltBundlePath} (${(code.length / 1024).toFixed(0)} KiB)`);
