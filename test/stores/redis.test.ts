import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { FaultLedger } from '../../support/faults/ledger.ts';
import { probe } from '../../support/faults/probe.ts';
import { corruptBytes, parseKeyPattern, redisPoisoned } from '../../support/faults/stores/poison.ts';
import { redisRestartedEmpty, redisStopped } from '../../support/faults/stores/redis.ts';
import { withRedis } from '../../support/faults/stores/store.ts';
import { seeded } from '../../support/random.ts';
import { type StoresEnv, startStores } from './stores-env.ts';

// Each Redis fault against a real redis-server, its proxy link and a client playing the system: apply proves
// the effect, the traffic proof sees the system meet it (or not), the undo puts the store back as it was
// (verified by reading it), and a second undo is harmless.

let s: StoresEnv;
before(async () => {
  s = await startStores();
});
after(async () => {
  await s?.close();
});

const direct = <T>(job: (r: Redis) => Promise<T>) => withRedis(s.env, 'redis', job);

/** The system's client sends commands through the proxy until `stop` (failures included: they are traffic). */
function keepBusy(r: Redis, key: string): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      await r.get(key).catch(() => {});
      await sleep(20);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}

describe('redis stopped', () => {
  test('the process is gone and PING refused; the system met it; the undo brings it back with its keys', async () => {
    await direct(async (r) => {
      await r.flushall();
      await r.mset('a', '1', 'b', '2', 'c', '3');
    });
    const system = await s.systemRedis();
    await system.ping();
    const ledger = new FaultLedger();
    after(() => ledger.rollback());
    const record = await ledger.inject(redisStopped(s.env, 'redis'));
    assert.equal(s.env.control('redis').alive(), false);
    assert.equal((await probe('redis', s.env.endpoint('redis'), 500)).replied, false);
    assert.match(record.evidence[0]!, /redis held 3 key\(s\), snapshot saved; killed/);
    await system.get('a').catch(() => {}); // the system tries while it is down (and reconnects)
    await sleep(300);
    assert.deepEqual(await ledger.rollback(), []);
    assert.equal(record.felt?.ok, true, record.felt?.evidence);
    assert.match(record.felt!.evidence, /app → redis: \d+ connections? accepted/);
    assert.equal(s.env.control('redis').alive(), true);
    assert.deepEqual(await direct((r) => r.mget('a', 'b', 'c')), ['1', '2', '3']);
  });
});

describe('redis restarted empty', () => {
  test('a new run with no keys; the system reconnected; not undone, but the store runs', async () => {
    await direct(async (r) => {
      await r.flushall();
      await r.mset('x', '1', 'y', '2');
    });
    const system = await s.systemRedis();
    await system.ping();
    const ledger = new FaultLedger();
    after(() => ledger.rollback());
    const record = await ledger.inject(redisRestartedEmpty(s.env, 'redis'));
    assert.match(
      record.evidence[0]!,
      /held 2 key\(s\) \(run \w+, [1-9]\d* client\(s\) of the system\); restarted in \d+ ms as run \w+ with 0 key\(s\)/,
    );
    await ledger.rollback();
    assert.equal(record.felt?.ok, true, record.felt?.evidence);
    assert.equal(await direct((r) => r.dbsize()), 0);
    assert.equal(s.env.control('redis').alive(), true);
  });
});

describe('redis keys poisoned', () => {
  test('a string key: corrupt bytes read back, then the exact bytes and expiry restored', async () => {
    const original = Buffer.from([0x00, 0x01, 0xc3, 0x28, 0x7b]); // binary: the undo must not go through UTF-8
    const { expireAt } = await direct(async (r) => {
      await r.set('cursor', original, 'PX', 60_000);
      return { expireAt: Number(await r.call('PEXPIRETIME', 'cursor')) };
    });
    const ledger = new FaultLedger();
    const record = await ledger.inject(redisPoisoned(s.env, 'redis', { key: 'cursor' }, seeded(7)));
    assert.deepEqual(await direct((r) => r.getBuffer('cursor')), corruptBytes(seeded(7)), 'seeded bytes');
    const system = await s.systemRedis();
    const busy = keepBusy(system, 'cursor');
    await sleep(2_100); // the key's idle clock ticks in seconds
    await busy.stop();
    assert.deepEqual(await ledger.rollback(), []);
    assert.equal(record.felt?.ok, true, record.felt?.evidence);
    assert.match(record.felt!.evidence, /cursor read 0 s ago/);
    const restored = await direct(async (r) => ({
      value: await r.getBuffer('cursor'),
      expireAt: Number(await r.call('PEXPIRETIME', 'cursor')),
    }));
    assert.deepEqual(restored.value, original);
    assert.equal(restored.expireAt, expireAt, 'the same absolute expiry');
    await ledger.rollback(); // idempotent
  });

  test('a pattern: a hash keeps its type (fields corrupted), a list becomes a string; both restored exactly', async () => {
    await direct(async (r) => {
      await r.del('w:fleet', 'w:queue', 'other');
      await r.hset('w:fleet', { a: '{"id":"a"}', b: '{"id":"b"}' });
      await r.rpush('w:queue', 'j1', 'j2');
      await r.set('other', 'untouched');
    });
    const before = await direct(async (r) => [await r.dumpBuffer('w:fleet'), await r.dumpBuffer('w:queue')]);
    const ledger = new FaultLedger();
    const record = await ledger.inject(redisPoisoned(s.env, 'redis', { pattern: 'w:*' }, seeded(3)));
    assert.match(
      record.evidence[0]!,
      /2 key\(s\) poisoned .*w:fleet \(hash, 2 field\(s\)\), w:queue \(list\)/,
    );
    await direct(async (r) => {
      assert.equal(await r.type('w:fleet'), 'hash');
      assert.equal(await r.type('w:queue'), 'string');
      assert.equal(await r.get('other'), 'untouched');
    });
    // The system repairs one field on its own: the undo keeps that, and puts back the other.
    await direct((r) => r.hset('w:fleet', 'a', '{"id":"a","v":2}'));
    await ledger.rollback();
    assert.equal(record.felt?.ok, true, record.felt?.evidence);
    await direct(async (r) => {
      assert.deepEqual(await r.hgetall('w:fleet'), { a: '{"id":"a","v":2}', b: '{"id":"b"}' });
      assert.deepEqual(await r.dumpBuffer('w:queue'), before[1]);
      assert.deepEqual(await r.lrange('w:queue', 0, -1), ['j1', 'j2']);
    });
  });

  test('keys nobody touches while poisoned: the traffic proof fails (an invalid experiment)', async () => {
    await direct((r) => r.set('cold', 'v'));
    const ledger = new FaultLedger();
    const record = await ledger.inject(redisPoisoned(s.env, 'redis', { key: 'cold' }, seeded(1)));
    await sleep(2_100);
    await ledger.rollback();
    assert.equal(record.felt?.ok, false);
    assert.match(
      ledger.withoutEffect()[0]!,
      /^fault had no effect: no poisoned key of redis was read or written/,
    );
    assert.equal(await direct((r) => r.get('cold')), 'v');
  });

  test('no such key: the fault fails at once, naming it, and nothing is changed', async () => {
    const ledger = new FaultLedger();
    await assert.rejects(
      ledger.inject(redisPoisoned(s.env, 'redis', { key: 'absent' }, seeded(1))),
      /poisoning key "absent" of redis had no effect: no such key exists/,
    );
    assert.equal(await direct((r) => r.exists('absent')), 0);
  });

  test('malformed keys and patterns are refused with what is accepted', () => {
    assert.throws(() => parseKeyPattern('', false), /"" is not a Redis key: write the key's name/);
    assert.throws(() => parseKeyPattern('w:[ab', true), /not a Redis key pattern: an unclosed '\['/);
    assert.equal(parseKeyPattern('w:\\[x', true), 'w:\\[x');
  });
});
