// Where the last run's suite times live: the tool cache, so they outlast a clean clone (CI) and
// stay out of the repository.
import { homedir } from 'node:os';
import { join } from 'node:path';

export function suiteTimesPath(): string {
  const cache = process.env.ETCD_OPERATOR_CACHE || join(homedir(), '.cache', 'etcd-operator');
  return join(cache, 'suite-times.json');
}
