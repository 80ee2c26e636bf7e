// `npm run bench:compare [before.json [after.json]]`: two runs of `npm run bench` side by side, by
// default the two newest files in bench/results/ (latest.json is a copy of the newest). Prints the
// comparison as JSON, then as a table.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readResults, resultsDir } from '../bench/support/results.ts';
import { compareRows, renderComparison } from '../bench/support/compare.ts';

const runs = readdirSync(resultsDir).filter((f) => /^\d{8}T\d{6}Z\.json$/.test(f)).sort().map((f) => join(resultsDir, f));
const [beforeFile, afterFile] = process.argv.length > 3 ? process.argv.slice(2, 4) : process.argv[2] ? [process.argv[2], runs.at(-1)] : runs.slice(-2);
if (!beforeFile || !afterFile) {
  console.error(`bench:compare: needs two runs, and ${resultsDir} has ${runs.length}: run \`npm run bench\`, or name the files`);
  process.exit(2);
}
const before = readResults(beforeFile);
const after = readResults(afterFile);
const changes = compareRows(before.rows, after.rows);
console.log(JSON.stringify({ before: beforeFile, after: afterFile, changes: changes.map(({ before: b, after: a, ...c }) => ({ ...c, beforeMedian: b?.median, afterMedian: a?.median, beforeRatio: b?.ratio, afterRatio: a?.ratio })) }, null, 2));
console.log(`\n${renderComparison(before, after, changes)}`);
