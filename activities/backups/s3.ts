// S3 access for backups: a client built from the credentials Secret (read here, inside the
// activity: never in a workflow input or log), streaming multipart uploads, reads and deletes.
//
// The AWS SDK loads at the first S3 call, not with the operator: an operator whose clusters back up
// to volumes, or not at all, never carries it (loaded alone: 5.5 MiB of V8 heap, 26 MiB of RSS).
import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/activity';
import type { S3Access } from '../../domain/backups.ts';
import type { Kube } from '../../k8s/kube-client.ts';
import { isNotFound } from '../../k8s/kube-client.ts';
import { uploadInParts } from './multipart-upload.ts';

/** A module's exports: named, as node and tsx load it; under `default` where the operator's bundle imports a CommonJS build. */
const exportsOf = <M extends object>(m: M): M => ((m as { default?: M }).default ?? m);
const sdk = async () => exportsOf(await import('@aws-sdk/client-s3'));

export const s3Location = (bucket: string, key: string) => `s3://${bucket}/${key}`;

/** `s3://bucket/key` -> parts, or undefined for another scheme. */
export function parseS3Location(location: string): { bucket: string; key: string } | undefined {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
  return m ? { bucket: m[1]!, key: m[2]! } : undefined;
}

/** How a client sends bodies: `signed` hashes each body into its signature (the SDK's default over HTTP); `checksummed` sends it unsigned with a CRC32 the server verifies per part. */
export type PayloadMode = 'signed' | 'checksummed';

/** Reads the Secret and builds a client; a missing Secret or key is a permanent, explained failure. */
export async function s3ClientFor(kube: Kube, namespace: string, access: S3Access, payload: PayloadMode = 'signed'): Promise<S3Client> {
  let secret;
  try {
    secret = await kube.core.readNamespacedSecret({ namespace, name: access.credentialsSecret });
  } catch (err) {
    if (isNotFound(err)) throw ApplicationFailure.nonRetryable(`S3 credentials Secret ${namespace}/${access.credentialsSecret} not found`, 'CredentialsMissing');
    throw err;
  }
  const value = (k: string) => {
    const v = secret.data?.[k];
    return v ? Buffer.from(v, 'base64').toString('utf8') : undefined;
  };
  const accessKeyId = value('accessKeyId');
  const secretAccessKey = value('secretAccessKey');
  if (!accessKeyId || !secretAccessKey) {
    const missing = [!accessKeyId && 'accessKeyId', !secretAccessKey && 'secretAccessKey'].filter(Boolean).join(' and ');
    throw ApplicationFailure.nonRetryable(`S3 credentials Secret ${namespace}/${access.credentialsSecret} has no ${missing}`, 'CredentialsInvalid');
  }
  return s3Client({ accessKeyId, secretAccessKey }, access, payload);
}

/** A client for `access` with these credentials. */
export async function s3Client(credentials: { accessKeyId: string; secretAccessKey: string }, access: Omit<S3Access, 'credentialsSecret'>, payload: PayloadMode = 'signed'): Promise<S3Client> {
  const { S3Client } = await sdk();
  const client = new S3Client({
    credentials,
    region: access.region ?? process.env.AWS_REGION ?? 'us-east-1',
    endpoint: endpointOf(access),
    forcePathStyle: access.forcePathStyle ?? Boolean(endpointOf(access)),
    // One retry per request inside an activity: the activity's own retry policy decides the rest.
    maxAttempts: 2,
    requestChecksumCalculation: payload === 'checksummed' ? 'WHEN_SUPPORTED' : 'WHEN_REQUIRED',
    // Reads are checked against the snapshot's SHA-256 end to end.
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  // Checksummed: the headers are signed, not the body (the SigV4 signer takes a present
  // x-amz-content-sha256 as the body's hash). Hashing every part for its signature cost 20% of an
  // upload (320 MiB from memory: 2.0 s -> 1.6 s); the CRC32 each part carries instead (WHEN_SUPPORTED)
  // is verified by the server, so a part damaged on the way is refused (BadDigest) and sent again.
  if (payload === 'checksummed') {
    client.middlewareStack.add((next) => async (args) => {
      const headers = (args.request as { headers?: Record<string, string> }).headers;
      if (headers) headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
      return next(args);
    }, { step: 'build', name: 'unsignedPayload' });
  }
  return client;
}

const endpointOf = (access: Pick<S3Access, 'endpoint'>) => access.endpoint ?? process.env.AWS_ENDPOINT_URL_S3;

/** An error the S3 server answered with (the SDK's S3ServiceException, known by its fields as the SDK itself does). */
function isS3Error(err: unknown): err is Error & { $fault: string } {
  return err instanceof Error && '$fault' in err && '$metadata' in err;
}

/** S3 errors a retry cannot fix, as non-retryable failures naming the bucket. */
export function s3Failure(err: unknown, bucket: string, key?: string): unknown {
  if (!isS3Error(err)) return err;
  const where = key ? `s3://${bucket}/${key}` : `bucket ${bucket}`;
  const permanent: Record<string, string> = {
    NoSuchBucket: `${where}: the bucket does not exist`,
    NoSuchKey: `${where}: no such object`,
    NotFound: `${where}: not found`,
    AccessDenied: `${where}: access denied with the given credentials`,
    InvalidAccessKeyId: `${where}: the access key is not known to the server`,
    SignatureDoesNotMatch: `${where}: the secret access key is wrong`,
  };
  const msg = permanent[err.name];
  return msg ? ApplicationFailure.nonRetryable(msg, `S3${err.name}`) : err;
}

/** S3 endpoints (per process) that refused a checksummed upload: later uploads there sign the payload. */
const signedOnly = new Set<string>();

/**
 * Whether a failed checksummed upload means the server does not take unsigned payloads or CRC32
 * checksums (S3-compatible servers that predate them answer NotImplemented, InvalidArgument or
 * InvalidRequest naming the header), not a problem a signed upload would have too.
 */
export function refusesChecksummedUploads(err: unknown): boolean {
  if (!isS3Error(err)) return false;
  if (['NotImplemented', 'XAmzContentSHA256Mismatch'].includes(err.name)) return true;
  return ['InvalidArgument', 'InvalidRequest', 'BadRequest'].includes(err.name) && /checksum|crc32|content-sha256|unsigned|x-amz-/i.test(err.message);
}

/**
 * Streams `body` into one object at `access` (a multipart upload, see uploadStream): checksummed
 * (unsigned payload, CRC32 per part) unless this server refused that before. A refusal marks the
 * server and fails retryably: the body is consumed, so the activity's next attempt sends a fresh
 * one, signed.
 */
export async function uploadSnapshot(access: Omit<S3Access, 'credentialsSecret'>, clientFor: (payload: PayloadMode) => Promise<S3Client>, bucket: string, key: string, body: Readable): Promise<void> {
  const server = `${endpointOf(access) ?? 'aws'} ${access.region ?? ''}`;
  const payload: PayloadMode = signedOnly.has(server) ? 'signed' : 'checksummed';
  const s3 = await clientFor(payload);
  try {
    await uploadStream(s3, bucket, key, body);
  } catch (err) {
    if (payload === 'checksummed' && refusesChecksummedUploads(err)) {
      signedOnly.add(server);
      throw ApplicationFailure.retryable(`the S3 server refused an upload with an unsigned payload and CRC32 checksums (${(err as Error).name}: ${(err as Error).message}); the next attempt signs the payload instead`, 'S3ChecksumsRefused');
    }
    throw err;
  } finally {
    s3.destroy();
  }
}

/**
 * Streams `body` to one object with a multipart upload. An upload interrupted by a crash leaves
 * parts, never an object; those are aborted before a new attempt so one backup never leaves two.
 */
export async function uploadStream(s3: S3Client, bucket: string, key: string, body: Readable): Promise<void> {
  const s = await sdk();
  try {
    const stale = await s3.send(new s.ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key }));
    for (const u of stale.Uploads ?? []) {
      if (u.Key === key && u.UploadId) await s3.send(new s.AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: u.UploadId }));
    }
    await uploadInParts(s, s3, bucket, key, body);
  } catch (err) {
    throw s3Failure(err, bucket, key);
  }
}

export async function readObject(s3: S3Client, bucket: string, key: string): Promise<{ body: Readable; length: number | undefined }> {
  const { GetObjectCommand } = await sdk();
  try {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return { body: got.Body as Readable, length: got.ContentLength };
  } catch (err) {
    throw s3Failure(err, bucket, key);
  }
}

/** Deletes an object; one that is already gone is success. */
export async function deleteObject(s3: S3Client, bucket: string, key: string): Promise<void> {
  const { DeleteObjectCommand } = await sdk();
  try {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  } catch (err) {
    if (isS3Error(err) && err.name === 'NoSuchKey') return;
    throw s3Failure(err, bucket, key);
  }
}
