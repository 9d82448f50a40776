import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkerSlots } from '../../fixtures/platform/controller/slots.ts';

test('a worker takes at most perWorker attempts; 0 means unbounded', () => {
  const slots = new WorkerSlots(2);
  assert.equal(slots.tryTake('a'), true);
  assert.equal(slots.tryTake('a'), true);
  assert.equal(slots.tryTake('a'), false, 'the third attempt on a must wait');
  assert.equal(slots.tryTake('b'), true, 'other workers are not affected');
  slots.release('a');
  assert.equal(slots.inFlight('a'), 1);
  const unbounded = new WorkerSlots(0);
  for (let i = 0; i < 1000; i++) assert.equal(unbounded.tryTake('a'), true);
});

test('a freed slot goes to the longest-waiting request that can use that worker, already taken', async () => {
  const slots = new WorkerSlots(1);
  slots.tryTake('a');
  slots.tryTake('b');
  const never = new AbortController().signal;
  const onlyB = slots.wait((id) => id === 'b', never, 10_000);
  const anyFirst = slots.wait(() => true, never, 10_000);
  const anySecond = slots.wait(() => true, never, 10_000);
  slots.release('a'); // onlyB cannot use a: the first waiter that can gets it
  assert.equal(await anyFirst, 'a');
  assert.equal(slots.inFlight('a'), 1, 'handed over, not freed');
  slots.release('b');
  assert.equal(await onlyB, 'b');
  slots.release('a');
  assert.equal(await anySecond, 'a');
  slots.release('a');
  assert.equal(slots.inFlight('a'), 0, 'nobody waiting: the slot is free');
});

test('a slot freed by a failed attempt is not handed to a waiter', async () => {
  const slots = new WorkerSlots(1);
  slots.tryTake('slow');
  const waiting = slots.wait(() => true, new AbortController().signal, 50);
  slots.release('slow', 'failed');
  assert.equal(slots.inFlight('slow'), 0);
  assert.equal(await waiting, undefined, 'the waiter looks at its plan again instead');
});

test('a wait ends without a slot when its signal aborts', async () => {
  const slots = new WorkerSlots(1);
  slots.tryTake('a');
  const stop = new AbortController();
  const waiting = slots.wait(() => true, stop.signal, 10_000);
  stop.abort();
  assert.equal(await waiting, undefined);
  slots.release('a');
  assert.equal(slots.inFlight('a'), 0, 'the aborted waiter no longer takes slots');
});
