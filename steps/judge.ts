import { assertVerdict, type Verdict } from '../support/checks/verdict.ts';
import type { FaultlineWorld } from '../support/world.ts';

/** Records a verdict in the scenario, attaches it to the report, and fails the step when it does not pass. */
export function judge(world: FaultlineWorld, verdict: Verdict): void {
  world.verdicts.push(verdict);
  world.attach(`${verdict.pass ? 'PASS' : 'FAIL'} ${verdict.check}: ${verdict.message}`, {
    mediaType: 'text/plain',
  });
  assertVerdict(verdict);
}
