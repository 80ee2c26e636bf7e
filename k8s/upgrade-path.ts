// Which etcd version changes are safe, judged against the versions the members run now (admission
// can only compare with the previous spec, which may never have been rolled out). etcd supports
// upgrades one minor version at a time and no downgrade of a minor version once a cluster runs it.
import { compareVersions, minorOf } from './versions.ts';

const majorOf = (v: string): number => Number(v.split('.')[0]);
const minorNumber = (v: string): number => Number(v.split('.')[1]);

/** The rule a change from the running versions to `desired` breaks, or undefined when it is safe. */
export function upgradePathProblem(running: readonly string[], desired: string): string | undefined {
  const versions = [...new Set(running)].sort(compareVersions);
  if (!versions.length) return undefined;
  const lowest = versions[0]!;
  const highest = versions[versions.length - 1]!;
  if (majorOf(desired) !== majorOf(lowest) || majorOf(desired) !== majorOf(highest)) {
    return `etcd ${lowest} -> ${desired} changes the major version: not supported (etcd upgrades one minor version at a time)`;
  }
  if (minorNumber(desired) < minorNumber(highest)) {
    return `etcd ${highest} -> ${desired} is a downgrade of the minor version: not supported (a member already runs ${minorOf(highest)})`;
  }
  if (minorNumber(desired) > minorNumber(lowest) + 1) {
    return `etcd ${lowest} -> ${desired} skips a minor version: upgrade one minor version at a time (${minorOf(lowest)} -> ${majorOf(lowest)}.${minorNumber(lowest) + 1} first)`;
  }
  return undefined;
}
