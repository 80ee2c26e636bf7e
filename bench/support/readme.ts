// Rewrites the README's bench table (between its markers) from a results file; nothing else in it.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../test/support/stack.ts';
import { renderReadmeBlock, replaceBetweenMarkers, type Results } from './report.ts';

export function updateReadme(results: Results, readme = join(repoRoot, 'README.md')): void {
  writeFileSync(readme, replaceBetweenMarkers(readFileSync(readme, 'utf8'), renderReadmeBlock(results)));
}
