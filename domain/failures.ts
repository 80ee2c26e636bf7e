// The one failure classifier: what failed, in one line, and its type, read from the innermost cause
// (an activity's ApplicationFailure inside an ActivityFailure, inside a child workflow's failure...).
// Pure: workflows and activities use it alike.

/** The activity's own failure message, not the wrappers'. */
export const message = (err: unknown): string => {
  let e = err as { message?: string; cause?: unknown } | undefined;
  while (e?.cause) e = e.cause as typeof e;
  return e?.message ?? String(err);
};

/** The innermost failure's type (an activity's ApplicationFailure type, e.g. TLSSecretInvalid). */
export const failureType = (err: unknown): string | undefined => {
  let e = err as { type?: string; cause?: unknown } | undefined;
  while (e?.cause) e = e.cause as typeof e;
  return e?.type;
};
