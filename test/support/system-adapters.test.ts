import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineSystem, type SystemDeclaration, service } from '../../support/system/declare.ts';
import { ConfigError, instantiate } from '../../support/system/instantiate.ts';
import { requireAdapter, requireEvents } from '../../support/system/system.ts';
import { referenceSystem } from '../helpers/reference.ts';

// The adapter members through which verdicts read a system's own words (its events by meaning, its
// certificate refusals, its renewal log line): checked where declared, and a verdict that needs one the
// system lacks names the member to add.

const api = service('api', { command: ['node', 'api.ts'] });
const build = (extra: Record<string, unknown>) =>
  instantiate(
    defineSystem({ services: [api], ...extra } as SystemDeclaration),
    {},
    {
      name: 'shop',
      baseDir: '/tmp',
      origin: 'faultline.config.ts: systems.shop',
    },
  );

test('adapter members are checked where they are declared, naming the field', () => {
  assert.throws(
    () => build({ faultEvents: { partition: ['x'] } }),
    (e: Error) =>
      e instanceof ConfigError &&
      /systems\.shop\.faultEvents: not a field of a system \(it is now called `events`\); fields: .*events/.test(
        e.message,
      ),
  );
  assert.throws(
    () => build({ events: { partition: [] } }),
    /systems\.shop\.events\.partition: list at least one event name/,
  );
  assert.throws(
    () => build({ certificateRejections: { reasons: ['expired'] } }),
    /systems\.shop\.certificateRejections\.read: expected a function/,
  );
  assert.throws(
    () => build({ renewalLog: 42 }),
    /systems\.shop\.renewalLog: expected renewalLog: \/pattern\//,
  );
  const ok = build({
    events: { partition: ['peer_down'], breaker: ['breaker_open'] },
    certificateRejections: { reasons: ['expired'], read: async () => [] },
    renewalLog: /renew/,
  });
  assert.deepEqual(requireEvents(ok, 'breaker', 'a step'), ['breaker_open']);
  assert.deepEqual(requireAdapter(ok, 'certificateRejections', 'a step').reasons, ['expired']);
  assert.deepEqual(requireAdapter(ok, 'renewalLog', 'a step'), /renew/);
});

test('a verdict needing a member the system lacks names the member to add', () => {
  const bare = build({});
  assert.throws(
    () => requireAdapter(bare, 'certificateRejections', '"the api rejects …"'),
    /"the api rejects …" needs the system to declare `certificateRejections` \(how it reports refusing a member certificate\); the system 'shop' does not/,
  );
  assert.throws(() => requireAdapter(bare, 'renewalLog', 'a step'), /declare `renewalLog`/);
  assert.throws(
    () => requireEvents(bare, 'breaker', 'a step'),
    /declare `events` \(which of its audit events mean what/,
  );
  const some = build({ events: { partition: ['peer_down'] } });
  assert.throws(
    () => requireEvents(some, 'breaker', 'a step'),
    /a step needs the system to declare `events\.breaker` \(the audit events that show a coordinator opened the breaker of a member\); the system 'shop' declares events for: partition/,
  );
  assert.throws(
    () => requireEvents(some, 'crash', 'a step'),
    /`events\.crash` \(the audit events that show the system noticed a crash fault\)/,
  );
});

test('the reference platform declares its words as system members, none of them in steps', async () => {
  const platform = await referenceSystem({ workers: 2 }, false);
  assert.deepEqual(requireEvents(platform, 'breaker', 'a step'), ['breaker_open']);
  for (const kind of ['partition', 'crash', 'latency', 'certificate'])
    assert.ok(requireEvents(platform, kind, 'a step').length > 0, kind);
  const rejections = requireAdapter(platform, 'certificateRejections', 'a step');
  for (const reason of ['expired', 'not_yet_valid', 'unknown_ca', 'revoked'])
    assert.ok(rejections.reasons.includes(reason));
  assert.equal(requireAdapter(platform, 'renewalLog', 'a step'), 'certificate renewal required');
});
