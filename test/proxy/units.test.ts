// Unit tests of the proxy's parts that need no sockets: slicing, limit_data's matrix, stage buffers, the
// Go-compatible decoder and address parser, direction parsing and the seeded generator.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { splitHostPort } from '../../support/proxy/address.ts';
import { END, type StreamItem } from '../../support/proxy/chunk.ts';
import { DecodeError, decodeObject, parseFirstValue } from '../../support/proxy/decode.ts';
import { deriveSeed, Random } from '../../support/proxy/random.ts';
import { parseDirection } from '../../support/proxy/toxic.ts';
import { toxicKind, toxicTypes } from '../../support/proxy/toxics/index.ts';
import { sliceOffsets } from '../../support/proxy/toxics/slicer.ts';
import type { StageContext } from '../../support/proxy/toxics/types.ts';

function fakeContext(seed = 1): StageContext & { emitted: StreamItem[]; doneCount: number } {
  const ctx = {
    random: new Random(seed),
    emitted: [] as StreamItem[],
    doneCount: 0,
    emit(item: StreamItem) {
      ctx.emitted.push(item);
    },
    done() {
      ctx.doneCount++;
    },
    resetConnection() {},
  };
  return ctx;
}

describe('toxic registry', () => {
  test('every upstream toxic and both extensions are registered (TestToxicsAreLoaded)', () => {
    assert.deepEqual(toxicTypes().sort(), [
      'bandwidth',
      'corrupt',
      'latency',
      'limit_data',
      'noop',
      'packet_loss',
      'reset_peer',
      'slicer',
      'slow_close',
      'timeout',
    ]);
    assert.equal(toxicKind('down'), undefined);
  });

  test('stage buffers: latency queues 1024 chunks, every other toxic 1 (TestStubInitializaation…)', () => {
    for (const type of toxicTypes())
      assert.equal(toxicKind(type)!.capacity, type === 'latency' ? 1024 : 1, type);
  });

  test('extensions are marked as such', () => {
    for (const type of toxicTypes()) {
      assert.equal(toxicKind(type)!.extension, type === 'packet_loss' || type === 'corrupt', type);
    }
  });
});

describe('slicer', () => {
  test('24 bytes at average 1, variation 0 → exactly 24 pieces (TestSlicerToxicZeroSizeVariation)', () => {
    const ends = sliceOffsets(24, 1, 0, new Random(1));
    assert.deepEqual(
      ends,
      Array.from({ length: 24 }, (_, i) => i + 1),
    );
  });

  test('480 KB at 1024 ± 512 → between 240 and 720 non-empty pieces covering everything (TestSlicerToxic)', () => {
    for (let seed = 0; seed < 20; seed++) {
      const ends = sliceOffsets(480 * 1024, 1024, 512, new Random(seed));
      assert.ok(ends.length >= 240 && ends.length <= 720, `${ends.length} pieces`);
      let previous = 0;
      for (const end of ends) {
        assert.ok(end > previous);
        previous = end;
      }
      assert.equal(previous, 480 * 1024);
    }
  });

  test('variation equal to the average never yields an empty piece', () => {
    for (let seed = 0; seed < 50; seed++) {
      const ends = sliceOffsets(5000, 10, 10, new Random(seed));
      assert.ok(ends.every((end, i) => end > (ends[i - 1] ?? 0)));
    }
  });
});

describe('limit_data matrix (limit 100)', () => {
  const run = (limit: number, sizes: number[]) => {
    const ctx = fakeContext();
    const runtime = toxicKind('limit_data')!.create({ bytes: limit }, ctx);
    for (const size of sizes) runtime.handle({ data: Buffer.alloc(size, 1), receivedAt: 0 });
    const bytes = ctx.emitted.reduce((sum, item) => sum + (item === END ? 0 : item.data.length), 0);
    return { bytes, closed: ctx.emitted.includes(END), done: ctx.doneCount };
  };
  for (const [limit, sizes, bytes, closed] of [
    [100, [50], 50, false],
    [100, [100], 100, true],
    [100, [150], 100, true],
    [100, [25, 25, 25, 25], 100, true],
    [100, [90, 20], 100, true],
    [0, [100], 0, true],
  ] as const) {
    test(`limit ${limit}, chunks ${JSON.stringify(sizes)} → ${bytes} bytes${closed ? ', closed' : ''}`, () => {
      const outcome = run(limit, [...sizes]);
      assert.deepEqual(outcome, { bytes, closed, done: sizes.length });
    });
  }

  test('the counter survives an interrupt and an update (TestLimitDataToxicMayBeRestarted)', () => {
    const ctx = fakeContext();
    const runtime = toxicKind('limit_data')!.create({ bytes: 100 }, ctx);
    runtime.handle({ data: Buffer.alloc(90), receivedAt: 0 });
    runtime.interrupt();
    runtime.update({ bytes: 100 });
    runtime.handle({ data: Buffer.alloc(20), receivedAt: 0 });
    assert.deepEqual(
      ctx.emitted.map((item) => (item === END ? 'END' : item.data.length)),
      [90, 10, 'END'],
    );
  });
});

describe('decoder (Go encoding/json behaviour)', () => {
  test('reads only the first value; an empty body is EOF', () => {
    assert.deepEqual(parseFirstValue('{"a":1} {"b":2}'), { a: 1 });
    assert.deepEqual(parseFirstValue('  [1,2]garbage'), [1, 2]);
    assert.equal(parseFirstValue('null'), null);
    assert.throws(
      () => parseFirstValue('   '),
      (error: Error) => error instanceof DecodeError && error.message === 'EOF',
    );
    assert.throws(() => parseFirstValue('{"a":'), DecodeError);
  });

  test('keys match case-insensitively, the last one wins, null leaves the field out, types are checked', () => {
    const schema = { name: 'string', enabled: 'bool', rate: 'integer' } as const;
    assert.deepEqual(decodeObject({ NAME: 'a', Name: 'b', enabled: null, other: 1 }, schema, 'Proxy'), {
      name: 'b',
    });
    assert.throws(
      () => decodeObject({ rate: 1.5 }, schema, 'X'),
      /cannot unmarshal number 1.5 into Go struct field X.rate of type int64/,
    );
    assert.throws(() => decodeObject({ enabled: 'yes' }, schema, 'X'), /cannot unmarshal string/);
    assert.throws(() => decodeObject([1], schema, 'X'), /cannot unmarshal array into Go value of type X/);
  });
});

describe('addresses (Go net.SplitHostPort)', () => {
  test('splits host and port, IPv6 in brackets', () => {
    assert.deepEqual(splitHostPort('localhost:80'), { host: 'localhost', port: '80' });
    assert.deepEqual(splitHostPort('[::1]:80'), { host: '::1', port: '80' });
    assert.deepEqual(splitHostPort(':0'), { host: '', port: '0' });
  });

  test('rejects with Go messages', () => {
    for (const [address, message] of [
      ['foo', 'address foo: missing port in address'],
      ['a:b:c', 'address a:b:c: too many colons in address'],
      ['[::1', "address [::1: missing ']' in address"],
      ['[::1]', 'address [::1]: missing port in address'],
    ] as const) {
      assert.throws(() => splitHostPort(address), { message });
    }
  });
});

describe('directions (stream/direction_test.go)', () => {
  test('upstream/downstream parse case-insensitively; anything else is invalid', () => {
    assert.equal(parseDirection('upstream'), 'upstream');
    assert.equal(parseDirection('DownStream'), 'downstream');
    for (const invalid of ['', 'sideways', '1', 'up']) assert.equal(parseDirection(invalid), undefined);
  });
});

describe('seeded generator', () => {
  test('the same seed and label give the same draws; different ones differ', () => {
    const draws = (seed: number, label: string) => {
      const random = Random.derive(seed, label);
      return Array.from({ length: 8 }, () => random.nextUint32());
    };
    assert.deepEqual(draws(42, 'proxy:a/0/upstream/t'), draws(42, 'proxy:a/0/upstream/t'));
    assert.notDeepEqual(draws(42, 'proxy:a/0/upstream/t'), draws(43, 'proxy:a/0/upstream/t'));
    assert.notDeepEqual(draws(42, 'proxy:a/0/upstream/t'), draws(42, 'proxy:a/1/upstream/t'));
    assert.notEqual(deriveSeed(1, 'a'), deriveSeed(1, 'b'));
  });

  test('draws are uniform enough: int() covers its range, next() averages 0.5', () => {
    const random = new Random(7);
    const seen = new Set<number>();
    let sum = 0;
    for (let i = 0; i < 10_000; i++) {
      seen.add(random.int(-3, 3));
      sum += random.next();
    }
    assert.deepEqual([...seen].sort(), [-1, -2, -3, 0, 1, 2].sort());
    assert.ok(Math.abs(sum / 10_000 - 0.5) < 0.02);
  });
});
