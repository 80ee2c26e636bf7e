// The order a recovery tries backups in: newest etcd revision first (the one that loses the fewest
// writes), not the newest completion time.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { byRevision } from '../../activities/backups/restore.ts';
import { type RestoreSource } from '../../domain/backups.ts';

const b = (name: string, revision: number, completedAt: string): RestoreSource & { completedAt: string } =>
  ({ location: `s3://b/${name}`, sha256: name, backupName: name, revision, completedAt });

it('recovery candidates: newest revision first; a later completion only breaks ties', () => {
  const sorted = [
    b('late-but-old', 100, '2026-12-02T10:00:00Z'), // a PVC backup finished last, of an older revision
    b('newest', 300, '2026-12-02T08:00:00Z'),
    b('tie-early', 200, '2026-12-02T08:30:00Z'),
    b('tie-late', 200, '2026-12-02T09:00:00Z'),
  ].sort(byRevision);
  assert.deepEqual(sorted.map((s) => s.backupName), ['newest', 'tie-late', 'tie-early', 'late-but-old']);
});
