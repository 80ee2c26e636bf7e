// Workflow bundle entry.
export { etcdClusterWorkflow } from './cluster.ts';
export { createClusterWorkflow } from './create.ts';
export { deleteClusterWorkflow } from './delete.ts';
export { scaleClusterWorkflow } from './scale.ts';
export { restartMemberWorkflow } from './restart-member.ts';
export { replaceMemberWorkflow } from './replace-member.ts';
export { backupWorkflow, deleteBackupWorkflow, scheduledBackupWorkflow } from './backup.ts';
export { recoverClusterWorkflow } from './recover.ts';
export { rollingUpdateWorkflow } from './rolling-update.ts';
export { defragClusterWorkflow } from './defrag.ts';
export { configureAuthWorkflow } from './configure-auth.ts';
export { etcdUserWorkflow } from './user.ts';
