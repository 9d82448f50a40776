import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unknownVerdict } from '../../support/checks/verdict.ts';
import type { FaultRecord } from '../../support/faults/ledger.ts';
import { chaosExposition, recordExperiment, recordVerdict } from '../../support/observe/chaos-metrics.ts';
import { runMetrics } from '../../support/observe/run-metrics.ts';

// The chaos_* figures as the seed's PromEx plugin exports them: a recovery verdict's measured time goes to
// the histogram by fault kind, a verdict that does not pass under a fault counts as a failure, and the
// exposition holds only the chaos_* families of the run's registry.

const fault = (kind: string): FaultRecord => ({
  id: 1,
  kind,
  description: `${kind} fault`,
  targets: ['worker-1'],
  state: 'undone',
  startedAt: 1,
  stoppedAt: 2,
  evidence: [],
});

test('recovery times, failures and experiments are counted by fault kind and exposed in Prometheus text', async () => {
  recordVerdict({ check: 'recovery within 5 s', pass: true, message: '', figures: { mttr_ms: 1500 } }, [
    fault('partition'),
  ]);
  recordVerdict({ check: 'hypothesis holds again', pass: true, message: '', figures: { restored_ms: 200 } }, [
    fault('pause'),
  ]);
  recordVerdict({ check: 'error rate under fault below 5%', pass: false, message: '', figures: {} }, [
    fault('partition'),
  ]);
  recordVerdict(unknownVerdict('isolated to worker-1', 'no reading'), [fault('pause')]);
  // Without a fault there is no experiment to attribute a failure to.
  recordVerdict({ check: 'baseline', pass: false, message: '', figures: { mttr_ms: 9 } }, []);
  recordExperiment('PASSED');

  const text = await chaosExposition();
  assert.match(text, /chaos_recovery_time_seconds_bucket\{le="2",fault_kind="partition"\} 1/);
  assert.match(text, /chaos_recovery_time_seconds_bucket\{le="1",fault_kind="partition"\} 0/);
  assert.match(text, /chaos_recovery_time_seconds_sum\{fault_kind="pause"\} 0\.2/);
  assert.match(
    text,
    /chaos_failures_total\{fault_kind="partition",check="error rate under fault below 5%",status="fail"\} 1/,
  );
  assert.match(
    text,
    /chaos_failures_total\{fault_kind="pause",check="isolated to worker-1",status="unknown"\} 1/,
  );
  assert.doesNotMatch(text, /check="baseline"/);
  assert.match(text, /chaos_experiments_total\{outcome="passed"\} 1/);
  assert.doesNotMatch(text, /faultline_load_/);
  // The run's registry (what its Prometheus scrapes) holds them.
  assert.match(await runMetrics.metrics(), /# TYPE chaos_recovery_time_seconds histogram/);
});
