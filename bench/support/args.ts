// The benches' command line: `--name value` (or `--name=value`) for each default given, typed as the
// default is; a boolean default is a flag. Options a bench does not know are ignored, so bench/all.ts
// can pass `--runs` to every bench.
import { parseArgs } from 'node:util';

type Defaults = Record<string, number | string | boolean>;

export function benchArgs<T extends Defaults>(defaults: T, args: string[] = process.argv.slice(2)): T {
  const options = Object.fromEntries(Object.entries(defaults).map(([k, v]) => [k, { type: typeof v === 'boolean' ? 'boolean' as const : 'string' as const }]));
  const { values } = parseArgs({ args, options, strict: false, allowPositionals: true });
  const out: Defaults = { ...defaults };
  for (const [k, dflt] of Object.entries(defaults)) {
    const v = values[k];
    if (v === undefined) continue;
    if (typeof dflt === 'boolean') out[k] = v === true;
    else if (typeof v !== 'string') throw new Error(`--${k} needs a value`);
    else if (typeof dflt === 'number') {
      if (v.trim() === '' || !Number.isFinite(Number(v))) throw new Error(`--${k} needs a number (got ${v})`);
      out[k] = Number(v);
    } else out[k] = v;
  }
  return out as T;
}
