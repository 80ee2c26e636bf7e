// The AWS SDK is loaded at the first S3 call, not with the operator's activities: an operator whose
// clusters keep their backups on volumes (or take none) never carries it. A child process records
// every module it resolves (node's synchronous module hooks, which see tsx's resolutions too).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

const script = `
import { registerHooks } from 'node:module';
const aws = new Set();
registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); if (r.url.includes('/@aws-sdk/')) aws.add(r.url); return r; } });
await import('./activities/index.ts');
const atStart = aws.size;
const { s3Client } = await import('./activities/backups/s3.ts');
(await s3Client({ accessKeyId: 'a', secretAccessKey: 'b' }, { bucket: 'b', endpoint: 'http://127.0.0.1:9' })).destroy();
console.log(JSON.stringify({ atStart, afterFirstClient: aws.size }));
`;

test('the activities load without the AWS SDK; the first S3 client loads it', () => {
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  const { atStart, afterFirstClient } = JSON.parse(out.trim().split('\n').at(-1)!) as { atStart: number; afterFirstClient: number };
  assert.equal(atStart, 0, 'no @aws-sdk module resolved by importing the activities');
  assert.ok(afterFirstClient > 0, 'the first client resolved the SDK');
});
