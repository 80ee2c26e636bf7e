// JSON merge patch (RFC 7386) semantics, to tell whether a patch would change an object at all:
// a status write that changes nothing is not sent (an idle cluster then costs no write per resync).
import { isDeepStrictEqual } from 'node:util';

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** True when applying `patch` as a merge patch to `current` leaves it as it is. */
export function mergePatchIsNoop(current: unknown, patch: unknown): boolean {
  if (!isPlainObject(patch)) return isDeepStrictEqual(current, patch);
  const base = isPlainObject(current) ? current : undefined;
  if (!base) return Object.keys(patch).length === 0 && isPlainObject(current);
  return Object.entries(patch).every(([k, v]) => {
    if (v === null) return !(k in base); // null deletes the field
    if (v === undefined) return true; // dropped by JSON serialization
    return k in base && mergePatchIsNoop(base[k], v);
  });
}
