// The operator's version: package.json's, shown by `etcdop --version` and the startup log (and the
// image tag). Read at startup, so it cannot drift from the package. The file is one level up from
// the sources (worker/) and two from the compiled code (dist/worker/).
import { existsSync, readFileSync } from 'node:fs';

const packageJson = [new URL('../package.json', import.meta.url), new URL('../../package.json', import.meta.url)].find((u) => existsSync(u));
if (!packageJson) throw new Error('package.json not found next to the operator code');

export const OPERATOR_VERSION: string = (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
