import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { valuesOf } from '../../support/data/json-text.ts';
import { FAMILIES, type MalformedRequest, mutate } from '../../support/data/mutators.ts';
import { seeded } from '../../support/random.ts';
import type { DeclaredRequest } from '../../support/system/system.ts';

// Every mutator, over many seeds: the same seed gives the same bytes, and every body is malformed the way
// its family says — checked by the tools a server would use (JSON.parse, a fatal TextDecoder), not by
// trusting the description.

const ID = 'order-7f3a-12';
const declared: DeclaredRequest = {
  service: 'api',
  method: 'POST',
  path: '/orders',
  headers: { 'x-tenant': 'acme', 'Content-Type': 'text/plain' },
  json: {
    order_id: ID,
    items: [{ sku: 'A-1', quantity: 2 }],
    total: 19.5,
    gift: false,
    note: 'deliver after 6pm',
  },
};
const SEEDS = Array.from({ length: 200 }, (_, i) => i + 1);

async function bytesOf(m: MalformedRequest): Promise<Buffer> {
  const body = m.body();
  if (Buffer.isBuffer(body)) return body;
  const chunks: Buffer[] = [];
  for await (const chunk of body as Readable) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const make = (family: (typeof FAMILIES)[number], seed: number) =>
  mutate(family, declared, { id: ID, random: seeded(seed), sizeBytes: 50_000 });

const strictUtf8 = (bytes: Buffer) => new TextDecoder('utf-8', { fatal: true }).decode(bytes);

test('the same seed gives the same bytes and description; different seeds give different bodies', async () => {
  for (const family of FAMILIES) {
    const a = make(family, 42);
    const b = make(family, 42);
    assert.equal(a.description, b.description, family);
    assert.deepEqual(await bytesOf(a), await bytesOf(b), family);
    assert.equal(a.length, (await bytesOf(a)).length, `${family}: the length sent is the body's`);
    const distinct = new Set(
      await Promise.all(
        SEEDS.slice(0, 20).map(async (s) =>
          createHash('sha1')
            .update(await bytesOf(make(family, s)))
            .digest('hex'),
        ),
      ),
    );
    assert.ok(distinct.size > 1, `${family}: 20 seeds gave one body`);
  }
});

test('invalid JSON: truncated, unbalanced or trailing garbage, and JSON.parse throws on every one', async () => {
  const ways = new Set<string>();
  for (const seed of SEEDS) {
    const m = make('invalid JSON', seed);
    ways.add(m.description.split(':')[1]?.trim().split(/[ ,]/)[0] ?? '');
    assert.throws(() => JSON.parse(m.body().toString()), SyntaxError, m.description);
    assert.equal(m.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(m.headers['x-tenant'], 'acme', 'the declared headers are kept');
  }
  assert.deepEqual([...ways].sort(), ['trailing', 'truncated', 'unbalanced']);
});

test('missing fields: valid JSON without at least one required field; `required` narrows the choice', () => {
  for (const seed of SEEDS) {
    const m = make('missing fields', seed);
    const body = JSON.parse(m.body().toString()) as Record<string, unknown>;
    const gone = Object.keys(declared.json as object).filter((k) => !(k in body));
    assert.ok(gone.length >= 1, m.description);
    for (const k of gone) assert.match(m.description, new RegExp(k));
  }
  const narrowed = mutate(
    'missing fields',
    { ...declared, required: ['order_id'] },
    { id: ID, random: seeded(3) },
  );
  assert.deepEqual(Object.keys(JSON.parse(narrowed.body().toString())).sort(), [
    'gift',
    'items',
    'note',
    'total',
  ]);
});

test('wrong types: valid JSON where one value has another JSON type than declared', () => {
  const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  for (const seed of SEEDS) {
    const m = make('wrong types', seed);
    const body = JSON.parse(m.body().toString());
    const before = new Map(valuesOf(declared.json).map((l) => [JSON.stringify(l.path), typeOf(l.value)]));
    const changed = valuesOf(body).filter((l) => {
      const was = before.get(JSON.stringify(l.path));
      return was !== undefined && was !== typeOf(l.value);
    });
    assert.ok(changed.length >= 1, m.description);
  }
});

test('wrong encoding: Latin-1 bytes declared UTF-8 fail a strict decoder; UTF-8 declared Latin-1 reads as another id', () => {
  let latin1 = 0;
  let utf8 = 0;
  for (const seed of SEEDS) {
    const m = make('wrong encoding', seed);
    const bytes = m.body() as Buffer;
    if (m.headers['content-type']?.includes('utf-8')) {
      latin1++;
      assert.throws(() => strictUtf8(bytes), TypeError, m.description);
    } else {
      utf8++;
      assert.equal(m.headers['content-type'], 'application/json; charset=iso-8859-1');
      const asDeclared = JSON.parse(bytes.toString('latin1')) as { order_id: string };
      const asSent = JSON.parse(strictUtf8(bytes)) as { order_id: string };
      assert.notEqual(asDeclared.order_id, asSent.order_id, 'read as declared, the id is mangled');
    }
    // The foreign text goes into the field that carries the id: the one a lenient server would store.
    assert.match(m.description, /order_id ends in/);
  }
  assert.ok(latin1 > 50 && utf8 > 50, `both directions drawn: ${latin1} / ${utf8}`);
});

test('invalid UTF-8: a strict decoder throws on every body, and the id field carries the bad bytes', () => {
  for (const seed of SEEDS) {
    const m = make('invalid UTF-8', seed);
    const bytes = m.body() as Buffer;
    assert.throws(() => strictUtf8(bytes), TypeError, m.description);
    assert.match(m.description, /in order_id$/);
    assert.ok(bytes.includes(Buffer.from(`"order_id":"${ID}`)), 'the rest of the request is intact');
  }
});

test('oversized: exactly the size asked for, valid JSON whose longest string was padded with seeded filler', async () => {
  const m = make('oversized', 7);
  const bytes = await bytesOf(m);
  assert.equal(bytes.length, 50_000);
  assert.equal(m.length, 50_000);
  const body = JSON.parse(bytes.toString()) as { note: string; order_id: string };
  assert.equal(body.order_id, ID);
  assert.ok(
    body.note.startsWith('deliver after 6pm') && body.note.length > 49_000,
    'the longest string took the filler',
  );
  assert.match(body.note.slice(20), /^[a-z0-9.-]+$/);
  assert.ok(m.body() instanceof Readable, 'a stream, never a buffer');
  assert.throws(
    () => mutate('oversized', declared, { id: ID, random: seeded(1), sizeBytes: 10 }),
    /oversized to 10 bytes is smaller than the valid request itself \(\d+ bytes\): choose a larger size/,
  );
  assert.throws(() => mutate('oversized', declared, { id: ID, random: seeded(1) }), /oversized needs a size/);
});

test('a request the mutators cannot work on is refused with what it lacks', () => {
  const scalar = { ...declared, json: 'just text' };
  assert.throws(
    () => mutate('missing fields', scalar, { id: ID, random: seeded(1) }),
    /needs a declared request whose body is a JSON object/,
  );
  const numbers = { ...declared, json: { a: 1, b: [2] } };
  assert.throws(
    () => mutate('invalid UTF-8', numbers, { id: ID, random: seeded(1) }),
    /needs a string field in the declared request of \/orders/,
  );
});
