// Preloaded with --import: appends every module URL the process resolves to $RECORD_IMPORTS, so a test
// can see what a command loads (test/unit/cli.test.ts).
import { registerHooks } from 'node:module';
import { appendFileSync } from 'node:fs';
import process from 'node:process';

registerHooks({
  resolve(specifier, context, next) {
    const resolved = next(specifier, context);
    if (process.env.RECORD_IMPORTS) appendFileSync(process.env.RECORD_IMPORTS, `${resolved.url}\n`);
    return resolved;
  },
});
