// Snapshot uploads against the stack's real S3 server: checksummed (unsigned payload, a CRC32 per
// part the server verifies), the fall back to signed payloads for a server that refuses that, and
// the part uploader itself (part boundaries, one PutObject for a small body, failures cleaned up).
import { before, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { AbortMultipartUploadCommand, CreateMultipartUploadCommand, DeleteObjectCommand, GetObjectCommand, ListMultipartUploadsCommand, S3ServiceException, UploadPartCommand, type S3Client } from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/common';
import { refusesChecksummedUploads, s3Client, uploadSnapshot, type PayloadMode } from '../../activities/backups/s3.ts';
import { uploadInParts } from '../../activities/backups/multipart-upload.ts';
import { ensureStack } from '../support/stack.ts';

before(() => { ensureStack(); });

const MiB = 1024 * 1024;
const creds = () => ({ accessKeyId: process.env.AWS_ACCESS_KEY_ID!, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY! });
const Bucket = () => process.env.BACKUP_BUCKET!;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** A body in 64 KiB chunks, like a snapshot stream. */
const stream = (b: Buffer) => Readable.from((function* () { for (let o = 0; o < b.length; o += 64 * 1024) yield b.subarray(o, o + 64 * 1024); })());

async function stored(client: S3Client, Key: string): Promise<Buffer> {
  const got = await client.send(new GetObjectCommand({ Bucket: Bucket(), Key }));
  return Buffer.from(await got.Body!.transformToByteArray());
}

/** What a client sent: each request's command and the headers that say how its body was protected. */
function recordHeaders(client: S3Client): { command: string; sha256?: string; crc32?: string }[] {
  const seen: { command: string; sha256?: string; crc32?: string }[] = [];
  client.middlewareStack.add((next, ctx) => async (args) => {
    const h = (args.request as { headers: Record<string, string> }).headers;
    seen.push({ command: (ctx as { commandName: string }).commandName, sha256: h['x-amz-content-sha256'], crc32: h['x-amz-checksum-crc32'] });
    return next(args);
  }, { step: 'finalizeRequest', name: 'recordHeaders', priority: 'low' });
  return seen;
}

it('a checksummed upload stores exactly the bytes sent, each part unsigned with a CRC32', async () => {
  const endpoint = process.env.AWS_ENDPOINT_URL_S3!;
  const body = randomBytes(37 * MiB + 5); // three parts of 16 MiB
  const Key = `it/checksummed-${process.pid}-${Date.now()}.db`;
  const plain = await s3Client(creds(), { bucket: Bucket(), endpoint });
  let seen: ReturnType<typeof recordHeaders> = [];
  try {
    await uploadSnapshot({ bucket: Bucket(), endpoint }, async (payload) => {
      assert.equal(payload, 'checksummed');
      const c = await s3Client(creds(), { bucket: Bucket(), endpoint }, payload);
      seen = recordHeaders(c);
      return c;
    }, Bucket(), Key, stream(body));
    assert.equal(sha(await stored(plain, Key)), sha(body));
    const parts = seen.filter((s) => s.command === 'UploadPartCommand');
    assert.equal(parts.length, 3);
    for (const p of parts) {
      assert.equal(p.sha256, 'UNSIGNED-PAYLOAD');
      assert.match(p.crc32 ?? '', /^[A-Za-z0-9+/]{6}==$/);
    }
  } finally {
    await plain.send(new DeleteObjectCommand({ Bucket: Bucket(), Key }));
    plain.destroy();
  }
});

it('the S3 server refuses a part whose CRC32 does not match its bytes (BadDigest)', async () => {
  const client = await s3Client(creds(), { bucket: Bucket(), endpoint: process.env.AWS_ENDPOINT_URL_S3! }, 'checksummed');
  const Key = `it/bad-digest-${process.pid}-${Date.now()}.db`;
  const mp = await client.send(new CreateMultipartUploadCommand({ Bucket: Bucket(), Key, ChecksumAlgorithm: 'CRC32' }));
  try {
    await assert.rejects(
      client.send(new UploadPartCommand({ Bucket: Bucket(), Key, UploadId: mp.UploadId, PartNumber: 1, Body: randomBytes(1024), ChecksumCRC32: 'AAAAAA==' })),
      (err: Error) => err.name === 'BadDigest',
    );
  } finally {
    await client.send(new AbortMultipartUploadCommand({ Bucket: Bucket(), Key, UploadId: mp.UploadId }));
    client.destroy();
  }
});

/** The stack's S3 behind a loopback proxy that answers NotImplemented to unsigned payloads, like servers that predate them. */
async function refusingProxy(): Promise<{ server: Server; endpoint: string; refused: () => number }> {
  const target = new URL(process.env.AWS_ENDPOINT_URL_S3!);
  let refused = 0;
  const server = createServer((req, res) => {
    if (req.headers['x-amz-content-sha256'] === 'UNSIGNED-PAYLOAD') {
      refused++;
      req.resume();
      req.on('end', () => {
        res.writeHead(501, { 'content-type': 'application/xml' });
        res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>NotImplemented</Code><Message>A header you provided implies functionality that is not implemented</Message></Error>');
      });
      return;
    }
    // Headers pass unchanged (Host included), so the signature still matches at the real server.
    const out = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode!, up.headers);
      up.pipe(res);
    });
    out.on('error', (err) => res.destroy(err));
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, refused: () => refused };
}

it('a server that refuses checksummed uploads fails the attempt retryably; the next attempt is signed and stores the snapshot', async () => {
  const proxy = await refusingProxy();
  const access = { bucket: Bucket(), endpoint: proxy.endpoint };
  const body = randomBytes(20 * MiB + 3);
  const Key = `it/signed-fallback-${process.pid}-${Date.now()}.db`;
  const modes: PayloadMode[] = [];
  const clientFor = async (payload: PayloadMode) => { modes.push(payload); return s3Client(creds(), access, payload); };
  const plain = await s3Client(creds(), { bucket: Bucket(), endpoint: process.env.AWS_ENDPOINT_URL_S3! });
  try {
    await assert.rejects(uploadSnapshot(access, clientFor, Bucket(), Key, stream(body)), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure, String(err));
      assert.equal(err.type, 'S3ChecksumsRefused');
      assert.equal(err.nonRetryable, false);
      assert.match(err.message, /NotImplemented/);
      return true;
    });
    assert.ok(proxy.refused() >= 1);
    await uploadSnapshot(access, clientFor, Bucket(), Key, stream(body));
    assert.deepEqual(modes, ['checksummed', 'signed']);
    assert.equal(sha(await stored(plain, Key)), sha(body));
  } finally {
    await plain.send(new DeleteObjectCommand({ Bucket: Bucket(), Key }));
    plain.destroy();
    proxy.server.close();
  }
});

it('only refusals of the checksum or the unsigned payload switch a server to signed uploads', () => {
  const s3err = (name: string, message: string) => new S3ServiceException({ name, message, $fault: 'client', $metadata: {} });
  assert.equal(refusesChecksummedUploads(s3err('NotImplemented', 'A header you provided implies functionality that is not implemented')), true);
  assert.equal(refusesChecksummedUploads(s3err('InvalidArgument', "Unsupported header 'x-amz-checksum-crc32' received for this API call.")), true);
  assert.equal(refusesChecksummedUploads(s3err('XAmzContentSHA256Mismatch', 'The provided x-amz-content-sha256 header does not match')), true);
  assert.equal(refusesChecksummedUploads(s3err('InvalidArgument', 'Part number must be an integer between 1 and 10000')), false);
  assert.equal(refusesChecksummedUploads(s3err('AccessDenied', 'Access Denied')), false);
  assert.equal(refusesChecksummedUploads(s3err('BadDigest', 'The CRC32 you specified did not match the calculated checksum.')), false);
  assert.equal(refusesChecksummedUploads(Object.assign(new Error('not an S3 answer'), { name: 'NotImplemented' })), false);
});

/** Multipart uploads still open for a key (an upload that failed must leave none). */
async function openUploads(client: S3Client, Key: string): Promise<number> {
  const r = await client.send(new ListMultipartUploadsCommand({ Bucket: Bucket(), Prefix: Key }));
  return (r.Uploads ?? []).filter((u) => u.Key === Key).length;
}

it('parts go out as they fill, in order, with at most `concurrency` in flight; a body of exact parts sends no empty last part', async () => {
  const client = await s3Client(creds(), { bucket: Bucket(), endpoint: process.env.AWS_ENDPOINT_URL_S3! }, 'checksummed');
  const seen = recordHeaders(client);
  const partSize = 5 * MiB;
  let inFlight = 0;
  let most = 0;
  client.middlewareStack.add((next, ctx) => async (args) => {
    if ((ctx as { commandName: string }).commandName !== 'UploadPartCommand') return next(args);
    most = Math.max(most, ++inFlight);
    try { return await next(args); } finally { inFlight--; }
  }, { step: 'finalizeRequest', name: 'countInFlight' });
  const sdk = await import('@aws-sdk/client-s3');
  try {
    for (const [size, parts] of [[4 * partSize, 4], [4 * partSize + 1, 5]] as const) {
      seen.length = 0;
      const body = randomBytes(size);
      const Key = `it/parts-${size}-${process.pid}-${Date.now()}.db`;
      try {
        await uploadInParts(sdk, client, Bucket(), Key, stream(body), { partSize, concurrency: 2 });
        assert.equal(sha(await stored(client, Key)), sha(body), `${size} bytes stored exactly`);
        assert.equal(seen.filter((s) => s.command === 'UploadPartCommand').length, parts);
        assert.ok(seen.filter((s) => s.command === 'UploadPartCommand').every((p) => /^[A-Za-z0-9+/]{6}==$/.test(p.crc32 ?? '')), 'each part carries its CRC32');
      } finally {
        await client.send(new DeleteObjectCommand({ Bucket: Bucket(), Key }));
      }
    }
    assert.equal(most, 2, 'two parts in flight at most, and two did overlap');
  } finally {
    client.destroy();
  }
});

it('a body that fits one part is one PutObject (no multipart upload); an empty one too', async () => {
  const client = await s3Client(creds(), { bucket: Bucket(), endpoint: process.env.AWS_ENDPOINT_URL_S3! }, 'checksummed');
  const seen = recordHeaders(client);
  const sdk = await import('@aws-sdk/client-s3');
  try {
    for (const size of [5 * MiB, 1000, 0]) {
      seen.length = 0;
      const body = randomBytes(size);
      const Key = `it/one-part-${size}-${process.pid}-${Date.now()}.db`;
      try {
        await uploadInParts(sdk, client, Bucket(), Key, stream(body), { partSize: 5 * MiB, concurrency: 2 });
        assert.deepEqual(seen.map((s) => s.command), ['PutObjectCommand']);
        assert.equal(sha(await stored(client, Key)), sha(body));
      } finally {
        await client.send(new DeleteObjectCommand({ Bucket: Bucket(), Key }));
      }
    }
  } finally {
    client.destroy();
  }
});

it('a body that fails mid-stream fails the upload with its error and leaves no object and no open multipart upload', async () => {
  const client = await s3Client(creds(), { bucket: Bucket(), endpoint: process.env.AWS_ENDPOINT_URL_S3! }, 'checksummed');
  const sdk = await import('@aws-sdk/client-s3');
  const Key = `it/cut-${process.pid}-${Date.now()}.db`;
  const cut = Readable.from((async function* () {
    for (let i = 0; i < 12; i++) yield randomBytes(MiB); // two full parts and more
    throw new Error('snapshot stream closed before its end');
  })());
  try {
    await assert.rejects(uploadInParts(sdk, client, Bucket(), Key, cut, { partSize: 5 * MiB, concurrency: 2 }), /closed before its end/);
    assert.equal(await openUploads(client, Key), 0);
    await assert.rejects(client.send(new GetObjectCommand({ Bucket: Bucket(), Key })), (err: Error) => err.name === 'NoSuchKey');
  } finally {
    client.destroy();
  }
});

it('a part the server refuses aborts the upload: the first error, no object, no open multipart upload, the body not read to its end', async () => {
  const client = await s3Client(creds(), { bucket: Bucket(), endpoint: process.env.AWS_ENDPOINT_URL_S3! }, 'checksummed');
  client.middlewareStack.add((next, ctx) => async (args) => {
    const req = args.request as { query?: Record<string, string> };
    if ((ctx as { commandName: string }).commandName === 'UploadPartCommand' && req.query?.partNumber === '2') {
      throw Object.assign(new Error('refused by the test'), { name: 'InternalError' });
    }
    return next(args);
  }, { step: 'finalizeRequest', name: 'refusePart2' });
  const sdk = await import('@aws-sdk/client-s3');
  const Key = `it/refused-${process.pid}-${Date.now()}.db`;
  let read = 0;
  const body = Readable.from((function* () { for (let i = 0; i < 64; i++) { read++; yield randomBytes(MiB); } })());
  try {
    await assert.rejects(uploadInParts(sdk, client, Bucket(), Key, body, { partSize: 5 * MiB, concurrency: 2 }), /refused by the test/);
    assert.ok(read < 64, `stopped reading after ${read} of 64 MiB`);
    assert.equal(await openUploads(client, Key), 0);
    await assert.rejects(client.send(new GetObjectCommand({ Bucket: Bucket(), Key })), (err: Error) => err.name === 'NoSuchKey');
  } finally {
    client.destroy();
  }
});
