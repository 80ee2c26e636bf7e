// Text the operator writes into status and Events fits what the API server accepts, so a long
// cluster name or a nine-member list never makes a write fail with 422 half-way through an
// operation. Free text is cut to a UTF-8 byte budget, never inside a character, with a marker that
// says so. A status field's budget is its maxLength in the CRD, read from the structural schema the
// CRD is generated from, so the limits and the writers cannot drift apart.
import { EtcdBackupStatusSchema } from './backup-spec.ts';
import { ConditionSchema, EtcdClusterStatusSchema } from './cluster-status.ts';
import { toStructuralSchema, type JSONSchemaProps } from './structural-schema.ts';
import { EtcdUserStatusSchema } from './user-spec.ts';

/** Appended to text that was cut. */
export const TRUNCATED = '… (truncated)';

/**
 * Event messages: events.k8s.io `note` and core/v1 Events that carry an eventTime are refused above
 * 1024 bytes (NoteLengthLimit); ours are legacy core/v1 Events, held to the same so that any path
 * and `kubectl describe` show them whole. The scheduler truncates its Events to the same limit.
 */
export const EVENT_MESSAGE_MAX = 1024;

const charBytes = (cp: number) => (cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4);

/** Bytes of `text` in UTF-8 (a lone surrogate is sent as U+FFFD: 3 bytes). */
export function utf8Length(text: string): number {
  let n = 0;
  for (const ch of text) n += charBytes(ch.codePointAt(0)!);
  return n;
}

/**
 * `text` if it fits in `maxBytes` of UTF-8, else its longest prefix of whole characters that fits
 * together with the TRUNCATED marker. A byte budget also bounds the character count (what the
 * CRD's maxLength counts) and the UTF-16 length (what zod counts).
 */
export function bounded(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes || utf8Length(text) <= maxBytes) return text;
  const marker = utf8Length(TRUNCATED) <= maxBytes / 2 ? TRUNCATED : '';
  const budget = maxBytes - utf8Length(marker);
  let used = 0;
  let end = 0;
  for (const ch of text) {
    const n = charBytes(ch.codePointAt(0)!);
    if (used + n > budget) break;
    used += n;
    end += ch.length;
  }
  return text.slice(0, end) + marker;
}

/** Free text: a string with a maxLength and no pattern, enum or format (cutting those would not make them valid). */
const isFreeText = (s: JSONSchemaProps) => s.type === 'string' && s.maxLength !== undefined && !s.pattern && !s.enum && !s.format;

/**
 * `value` (a whole object or a merge patch of it) with every free-text string cut to its maxLength
 * in `schema`; everything else, including fields the schema does not know and nulls, unchanged.
 */
export function fitToSchema<T>(value: T, schema: JSONSchemaProps): T {
  if (typeof value === 'string') return (isFreeText(schema) ? bounded(value, schema.maxLength!) : value) as T;
  if (Array.isArray(value)) return (schema.items ? value.map((v: unknown) => fitToSchema(v, schema.items!)) : value) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => {
      const field = schema.properties?.[k] ?? schema.additionalProperties;
      return [k, field ? fitToSchema(v, field) : v];
    })) as T;
  }
  return value;
}

const once = <T>(make: () => T) => { let v: T | undefined; return () => (v ??= make()); };
const clusterStatus = once(() => toStructuralSchema(EtcdClusterStatusSchema));
const backupStatus = once(() => toStructuralSchema(EtcdBackupStatusSchema));
const userStatus = once(() => toStructuralSchema(EtcdUserStatusSchema));

/** An EtcdCluster status (or merge patch of one) that fits the CRD: every status write goes through this. */
export const fitClusterStatus = <T>(status: T): T => fitToSchema(status, clusterStatus());
export const fitBackupStatus = <T>(status: T): T => fitToSchema(status, backupStatus());
export const fitUserStatus = <T>(status: T): T => fitToSchema(status, userStatus());

/** maxLength of a condition message (metav1.Condition's 32768): what a stored message was cut to. */
export const CONDITION_MESSAGE_MAX: number = ConditionSchema.shape.message.unwrap().maxLength ?? 32768;
