// Workflow bundle entry.
export { etcdClusterWorkflow } from './cluster.ts';
export { createClusterWorkflow } from './create.ts';
export { deleteClusterWorkflow } from './delete.ts';
