// The operator's version: package.json's, shown by `etcdop --version` and the startup log (and the
// image tag). Read at startup, so it cannot drift from the package.
import { readFileSync } from 'node:fs';

export const OPERATOR_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
