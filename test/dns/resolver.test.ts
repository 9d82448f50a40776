// faultline's resolver over real UDP on loopback: it answers the topology's names per vantage (the address a
// query arrived on), fails them the way a fault says, counts the system's lookups apart from the probe's
// (upper case), and refuses names that are not its own.

import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, describe, test } from 'node:test';
import { RCODE, readAnswer, readQuestion, writeAnswer, writeQuery } from '../../support/dns/packet.ts';
import { Resolver } from '../../support/dns/resolver.ts';

const octet = 100 + Math.floor(Math.random() * 150);
const A = `127.53.${octet}.1`;
const B = `127.53.${octet}.2`;

/** One query to `server`: the answer, or 'silence' when none came within `ms`. */
function ask(server: string, name: string, ms = 400): Promise<ReturnType<typeof readAnswer> | 'silence'> {
  const socket = createSocket('udp4');
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.close();
      resolve('silence');
    }, ms);
    socket.once('message', (message) => {
      clearTimeout(timer);
      socket.close();
      resolve(readAnswer(message));
    });
    socket.send(writeQuery(7, name), 53, server);
  });
}

describe('packet', () => {
  test('a query read back; an answer carries the A record with TTL 0', () => {
    const q = readQuestion(writeQuery(42, 'Redis.faultline'));
    assert.ok(q);
    assert.equal(q.name, 'Redis.faultline');
    assert.equal(q.type, 1);
    assert.deepEqual(readAnswer(writeAnswer(q, RCODE.noError, ['10.1.2.3'])), {
      id: 42,
      rcode: 0,
      addresses: ['10.1.2.3'],
    });
    assert.equal(readQuestion(Buffer.from([1, 2, 3])), undefined, 'garbage is no query');
  });
});

describe('resolver', () => {
  const resolver = new Resolver({ address: (v, t) => (v === 'api' && t === 'db' ? '127.0.0.1' : undefined) });
  after(() => resolver.close());

  test('answers per vantage, fails as told, counts the system apart from the probe', async () => {
    await resolver.listenFor('api', A);
    await resolver.listenFor('web', B);
    assert.deepEqual(resolver.listening, [`${A}:53`, `${B}:53`]);
    assert.deepEqual(await ask(A, 'db.faultline'), { id: 7, rcode: 0, addresses: ['127.0.0.1'] });
    // web has no link to db: the name does not exist for it.
    const fromWeb = await ask(B, 'db.faultline');
    assert.ok(fromWeb !== 'silence' && fromWeb.rcode === RCODE.nxDomain);
    // Not faultline's names.
    const other = await ask(A, 'example.com');
    assert.ok(other !== 'silence' && other.rcode === RCODE.refused);

    for (const [failure, expected] of [
      ['NXDOMAIN', RCODE.nxDomain],
      ['SERVFAIL', RCODE.servFail],
      ['no answer', 'silence'],
    ] as const) {
      const end = resolver.fail('api', 'db', failure);
      assert.deepEqual(resolver.overrides, [`api → db.faultline: ${failure}`]);
      const answer = await ask(A, 'db.faultline');
      assert.equal(answer === 'silence' ? answer : answer.rcode, expected, failure);
      const probe = await ask(A, 'DB.FAULTLINE');
      assert.equal(probe === 'silence' ? probe : probe.rcode, expected, `${failure}, the probe`);
      end();
      assert.deepEqual(resolver.overrides, []);
      const healed = await ask(A, 'db.faultline');
      assert.ok(healed !== 'silence' && healed.rcode === 0, `${failure} healed`);
    }
    // 1 + 3 faulted + 3 healed lookups by the "system"; the upper-case probes are not counted.
    assert.deepEqual(resolver.lookups('api', 'db'), { total: 7, failed: 3 });
  });

  test('a resolver that cannot listen says where and why', async () => {
    const other = new Resolver({ address: () => undefined });
    await assert.rejects(
      other.listenFor('api', A),
      /faultline's resolver cannot listen on 127\.53\.\d+\.1:53: .*EADDRINUSE/,
    );
    await other.close();
  });
});
