import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

test('etcdop --version prints the package version', () => {
  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const out = execFileSync(new URL('../../bin/etcdop.js', import.meta.url).pathname, ['--version'], { encoding: 'utf8' });
  assert.equal(out.trim(), version);
});
