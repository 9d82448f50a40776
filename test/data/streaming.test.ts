import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, test } from 'node:test';
import { HttpError, readJson, sendError, sendJson } from '../../fixtures/platform/shared/http.ts';
import { mutate } from '../../support/data/mutators.ts';
import { oversizedBody } from '../../support/data/oversized.ts';
import { sendMalformed } from '../../support/data/send.ts';
import { seeded } from '../../support/random.ts';

// The oversized body is generated as it is sent: its size costs the runner nothing. And the reference
// platform's body rules, against real HTTP: an oversized body refused at its Content-Length before it is
// read, a chunked one as soon as it passes the limit, a wrong charset or invalid UTF-8 with a clear 4xx.

const request = { order_id: 'o-1', note: 'x'.repeat(100) };

test('a 256 MB oversized body streams through with a bounded heap: pieces are views of one block', async () => {
  const body = oversizedBody(request, 256_000_000, seeded(5));
  global.gc?.();
  const before = process.memoryUsage();
  let bytes = 0;
  let pieces = 0;
  let peak = 0;
  await pipeline(
    body.stream(),
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        pieces++;
        if (pieces % 500 === 0) peak = Math.max(peak, process.memoryUsage().rss);
        done();
      },
    }),
  );
  assert.equal(bytes, 256_000_000);
  assert.ok(pieces > 3_000, `${pieces} pieces`);
  const grew = Math.max(peak, process.memoryUsage().rss) - before.rss;
  assert.ok(grew < 32 * 1024 * 1024, `RSS grew ${(grew / 1e6).toFixed(1)} MB while 256 MB streamed`);
});

let server: Server;
let port: number;
let read = 0;

before(async () => {
  // The platform's own reader, with a 1 MB limit; counts the body bytes the handler got to see.
  server = createServer(async (req, res) => {
    try {
      req.on('data', (chunk: Buffer) => {
        read += chunk.length;
      });
      const body = await readJson(req, 1_000_000);
      sendJson(res, 200, { ok: true, body });
    } catch (error) {
      sendError(res, error instanceof HttpError ? error : new HttpError(500, String(error)));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const endpoint = () => ({ host: '127.0.0.1', port });
const declared = { service: 'api', path: '/orders', json: request };

test('an oversized body with its Content-Length is answered 413 before it is read', async () => {
  read = 0;
  const m = mutate('oversized', declared, { id: 'o-1', random: seeded(2), sizeBytes: 100_000_000 });
  const answer = await sendMalformed(endpoint(), m, 10_000);
  assert.equal(answer.status, 413, JSON.stringify(answer));
  assert.equal(answer.outcome, 'rejected');
  assert.match(answer.answer ?? '', /request body is 100000000 bytes; at most 1000000 bytes are accepted/);
  assert.ok(answer.answeredAt - answer.sentAt < 2_000, `${answer.answeredAt - answer.sentAt} ms`);
  // What reached the server before the client saw the answer and stopped: socket buffers, not 100 MB.
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.ok(read < 20_000_000, `the server saw ${(read / 1e6).toFixed(1)} MB of the 100 MB body`);
});

test('a chunked body (no length) is refused once it passes the limit', async () => {
  const body = oversizedBody(request, 5_000_000, seeded(3));
  const response = await fetch(`http://127.0.0.1:${port}/orders`, {
    method: 'POST',
    body: body.stream() as unknown as ReadableStream,
    duplex: 'half',
    headers: { 'content-type': 'application/json' },
  } as RequestInit);
  assert.equal(response.status, 413);
  assert.match(await response.text(), /request body exceeds 1000000 bytes, the most accepted/);
});

test('encodings: invalid UTF-8 is 400, another charset 415, both naming what is accepted', async () => {
  const latin1 = mutate('wrong encoding', declared, { id: 'o-1', random: () => 0.1 });
  const a = await sendMalformed(endpoint(), latin1, 5_000);
  assert.equal(a.status, 400, JSON.stringify(a));
  assert.match(
    a.answer ?? '',
    /request body is not valid UTF-8 \(an invalid byte sequence at byte \d+\); UTF-8 JSON is accepted/,
  );
  const declaredLatin1 = mutate('wrong encoding', declared, { id: 'o-1', random: () => 0.9 });
  const b = await sendMalformed(endpoint(), declaredLatin1, 5_000);
  assert.equal(b.status, 415, JSON.stringify(b));
  assert.match(b.answer ?? '', /declared charset=iso-8859-1; only UTF-8 JSON is accepted/);
  const invalid = await sendMalformed(
    endpoint(),
    mutate('invalid UTF-8', declared, { id: 'o-1', random: seeded(9) }),
    5_000,
  );
  assert.equal(invalid.status, 400);
  const garbage = await sendMalformed(
    endpoint(),
    mutate('invalid JSON', declared, { id: 'o-1', random: seeded(9) }),
    5_000,
  );
  assert.equal(garbage.status, 400);
  assert.match(garbage.answer ?? '', /request body is not valid JSON/);
});
