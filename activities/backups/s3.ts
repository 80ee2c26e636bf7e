// S3 access for backups: a client built from the credentials Secret (read here, inside the
// activity: never in a workflow input or log), streaming multipart uploads, reads and deletes.
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand, DeleteObjectCommand, GetObjectCommand, ListMultipartUploadsCommand, S3Client, S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { ApplicationFailure } from '@temporalio/activity';
import type { S3Access } from '../../domain/backups.ts';
import type { Kube } from '../../k8s/kube-client.ts';
import { isNotFound } from '../../k8s/kube-client.ts';

export const s3Location = (bucket: string, key: string) => `s3://${bucket}/${key}`;

/** `s3://bucket/key` -> parts, or undefined for another scheme. */
export function parseS3Location(location: string): { bucket: string; key: string } | undefined {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
  return m ? { bucket: m[1]!, key: m[2]! } : undefined;
}

/** Reads the Secret and builds a client; a missing Secret or key is a permanent, explained failure. */
export async function s3ClientFor(kube: Kube, namespace: string, access: S3Access): Promise<S3Client> {
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
  return new S3Client({
    credentials: { accessKeyId, secretAccessKey },
    region: access.region ?? process.env.AWS_REGION ?? 'us-east-1',
    endpoint: access.endpoint ?? process.env.AWS_ENDPOINT_URL_S3,
    forcePathStyle: access.forcePathStyle ?? Boolean(access.endpoint ?? process.env.AWS_ENDPOINT_URL_S3),
    // One retry per request inside an activity: the activity's own retry policy decides the rest.
    maxAttempts: 2,
    // The snapshot's SHA-256 is computed and checked end to end; per-part CRCs would only cost CPU.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** S3 errors a retry cannot fix, as non-retryable failures naming the bucket. */
export function s3Failure(err: unknown, bucket: string, key?: string): unknown {
  if (!(err instanceof S3ServiceException)) return err;
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

/**
 * Streams `body` to one object with a multipart upload. An upload interrupted by a crash leaves
 * parts, never an object; those are aborted before a new attempt so one backup never leaves two.
 */
export async function uploadStream(s3: S3Client, bucket: string, key: string, body: Readable): Promise<void> {
  try {
    const stale = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key }));
    for (const u of stale.Uploads ?? []) {
      if (u.Key === key && u.UploadId) await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: u.UploadId }));
    }
    const upload = new Upload({ client: s3, params: { Bucket: bucket, Key: key, Body: body, ContentType: 'application/octet-stream' }, partSize: 16 * 1024 * 1024, queueSize: 4, leavePartsOnError: false });
    await upload.done();
  } catch (err) {
    throw s3Failure(err, bucket, key);
  }
}

export async function readObject(s3: S3Client, bucket: string, key: string): Promise<Readable> {
  try {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return got.Body as Readable;
  } catch (err) {
    throw s3Failure(err, bucket, key);
  }
}

/** Deletes an object; one that is already gone is success. */
export async function deleteObject(s3: S3Client, bucket: string, key: string): Promise<void> {
  try {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  } catch (err) {
    if (err instanceof S3ServiceException && err.name === 'NoSuchKey') return;
    throw s3Failure(err, bucket, key);
  }
}
