import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChaosState } from '../../support/env/kubernetes/client.ts';
import { injectionOf } from '../../support/env/kubernetes/status.ts';

// A chaos object's status read as Chaos Mesh writes it (the CRDs' status schema): conditions, and a record
// per target with its phase, counters and events.

const state = (status: ChaosState['status']): ChaosState => ({
  metadata: { name: 'x', namespace: 'shop' },
  status,
});
const record = (
  id: string,
  phase: string,
  injectedCount: number,
  recoveredCount = 0,
  events: { type: string; operation: string; message?: string; timestamp: string }[] = [],
) => ({
  id,
  phase,
  selectorKey: '.',
  injectedCount,
  recoveredCount,
  events,
});

test('injected: AllInjected True with records; not before; by the records when the condition is absent', () => {
  const injected = injectionOf(
    state({
      conditions: [
        { type: 'Selected', status: 'True' },
        { type: 'AllInjected', status: 'True' },
      ],
      experiment: {
        containerRecords: [record('shop/worker-0', 'Injected', 1), record('shop/worker-1', 'Injected', 1)],
      },
    }),
  );
  assert.equal(injected.injected, true);
  assert.deepEqual(injected.targets, ['shop/worker-0: Injected', 'shop/worker-1: Injected']);
  const pending = injectionOf(
    state({
      conditions: [{ type: 'AllInjected', status: 'False' }],
      experiment: {
        containerRecords: [
          record('shop/worker-0', 'Injected', 1),
          record('shop/worker-1', 'Not Injected', 0),
        ],
      },
    }),
  );
  assert.equal(pending.injected, false);
  assert.equal(
    injectionOf(state({ experiment: { containerRecords: [record('a', 'Injected', 1)] } })).injected,
    true,
  );
  assert.equal(injectionOf(state(undefined)).injected, false, 'no status yet');
  assert.equal(
    injectionOf(state({ conditions: [{ type: 'AllInjected', status: 'True' }], experiment: {} })).injected,
    false,
    'no target',
  );
});

test('a fault that already healed by its own duration still counts as injected; recovery; nothing selected; failures', () => {
  const healed = injectionOf(
    state({
      conditions: [
        { type: 'AllInjected', status: 'False' },
        { type: 'AllRecovered', status: 'True' },
      ],
      experiment: { desiredPhase: 'Stop', containerRecords: [record('shop/redis-0', 'Not Injected', 1, 1)] },
    }),
  );
  assert.deepEqual([healed.injected, healed.recovered], [true, true]);
  assert.equal(
    injectionOf(state({ conditions: [{ type: 'Selected', status: 'False' }], experiment: {} }))
      .nothingSelected,
    true,
  );
  const failed = injectionOf(
    state({
      experiment: {
        containerRecords: [
          record('shop/worker-0', 'Not Injected', 0, 0, [
            {
              type: 'Failed',
              operation: 'Apply',
              message: 'container not found',
              timestamp: '2026-12-06T21:00:00Z',
            },
          ]),
        ],
      },
    }),
  );
  assert.equal(failed.injected, false);
  assert.deepEqual(failed.failures, ['shop/worker-0 Apply: container not found']);
});
