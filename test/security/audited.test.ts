import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accountFor, auditKeptUp } from '../../support/checks/audited.ts';
import { auditedEvent, parseFloodDuration, parseRate } from '../../support/faults/security/audited-words.ts';
import type { AuditEvent } from '../../support/system/system.ts';

// The words of an audit flood and the accounting its verdict makes, without a system running.

const event = (name: string, detail: Record<string, unknown> = {}): AuditEvent => ({
  at: 0,
  event: name,
  detail,
});
const names = ['registration_rejected', 'audit_coalesced'];

test('rows written one by one and rows standing for a count are both accounted for', () => {
  const account = accountFor(
    [
      event('registration_rejected'),
      event('registration_rejected'),
      event('audit_coalesced', { event: 'registration_rejected', count: 40 }),
      // Another event's overflow, and events the flood does not cause: not counted.
      event('audit_coalesced', { event: 'load_shed', count: 7 }),
      event('worker_registered'),
    ],
    names,
  );
  assert.deepEqual(account, { caused: 0, written: 2, counted: 40 });
  assert.equal(auditKeptUp('rejected registration', 'api', { ...account, caused: 42 }, 2000, 300).pass, true);
  const behind = auditKeptUp('rejected registration', 'api', { ...account, caused: 100 }, 2000, 2100);
  assert.equal(behind.pass, false);
  assert.match(behind.message, /58 not recorded — the audit writer lags behind the flood/);
  assert.equal(auditKeptUp('x', 'api', { caused: 0, written: 0, counted: 0 }, 1, 1).pass, false);
});

test('rates, durations and event words: what is accepted, named', () => {
  assert.equal(parseRate('300'), 300);
  for (const bad of ['0', 'many', '1.5', '9000'])
    assert.throws(() => parseRate(bad), /a whole number of events per second from 1 to 5000/);
  assert.equal(parseFloodDuration('3 seconds'), 3000);
  assert.throws(() => parseFloodDuration('2 minutes'), /at most 60 seconds/);
  const audited = {
    'rejected registration': { request: () => ({ service: 'api', path: '/', json: {} }), events: ['x'] },
  };
  assert.equal(auditedEvent(audited, 'rejected registrations').words, 'rejected registration');
  assert.equal(auditedEvent(audited, 'rejected registration').words, 'rejected registration');
  assert.throws(
    () => auditedEvent(audited, 'failed logins'),
    /'failed logins' is not an auditable event the system declares; it declares: rejected registration/,
  );
  assert.throws(() => auditedEvent(undefined, 'failed logins'), /declares no auditable events: add audited:/);
});
