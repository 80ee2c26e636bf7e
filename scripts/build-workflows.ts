// Prebuilds the workflow bundle (dist/workflow-bundle.js) so a production worker starts without
// running webpack; worker/worker.ts loads it when ETCD_OPERATOR_WORKFLOW_BUNDLE names it.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { prebuiltBundlePath, workflowsPath } from '../worker/worker.ts';

const { code } = await bundleWorkflowCode({ workflowsPath });
mkdirSync(new URL('../dist/', import.meta.url), { recursive: true });
// Written aside and renamed: suites running side by side may build it while another loads it.
const tmp = `${prebuiltBundlePath}.${process.pid}.tmp`;
writeFileSync(tmp, code);
renameSync(tmp, prebuiltBundlePath);
console.log(`workflow bundle: ${prebuiltBundlePath} (${(code.length / 1024).toFixed(0)} KiB)`);
