// The real S3-compatible server started by the stack: an object round trip with the AWS SDK.
import { it, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { S3Client, PutObjectCommand, GetObjectCommand, HeadObjectCommand, DeleteObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { ensureStack } from '../support/stack.ts';

before(() => { ensureStack(); });

it('an object round-trips through the S3 server with path-style addressing', async () => {
  const s3 = new S3Client({ forcePathStyle: true, endpoint: process.env.AWS_ENDPOINT_URL_S3 });
  const Bucket = process.env.BACKUP_BUCKET!;
  const Key = `it/round-trip-${process.pid}-${Date.now()}.bin`;
  const body = randomBytes(3 * 1024 * 1024 + 17);
  try {
    await s3.send(new PutObjectCommand({ Bucket, Key, Body: body }));
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key }));
    assert.equal(head.ContentLength, body.length);
    const got = await s3.send(new GetObjectCommand({ Bucket, Key }));
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    assert.equal(createHash('sha256').update(bytes).digest('hex'), createHash('sha256').update(body).digest('hex'));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'it/' }));
    assert.ok(listed.Contents?.some((o) => o.Key === Key));
  } finally {
    await s3.send(new DeleteObjectCommand({ Bucket, Key }));
    s3.destroy();
  }
});
