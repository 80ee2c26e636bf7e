// `npm run bench:readme [results.json]`: README.md's bench table from bench/results/latest.json (or the
// file given) without running a bench; only the text between the bench-table markers changes.
import { latestFile, readResults } from '../bench/support/results.ts';
import { updateReadme } from '../bench/support/readme.ts';

const file = process.argv[2] ?? latestFile;
updateReadme(readResults(file));
console.error(`README.md: bench table from ${file}`);
