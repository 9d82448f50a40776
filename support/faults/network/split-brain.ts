import type { Environment } from '../../env/environment.ts';
import type { FaultSpec } from '../ledger.ts';
import { BLACK_HOLE } from './partition.ts';
import { toxicFault } from './toxic.ts';
import { halvesOf } from './where.ts';

// Split brain: the members of a group, in the order given (the step's seeded draw), split into two halves
// that cannot reach each other — every link between a member of one half and a member of the other is
// black-holed both ways — while each keeps its clients: no link to a service outside the group is touched.
// Proof as a partition's: each cut link's probe goes silent, and the members' own traffic to each other
// crossed a cut link while it held.
export function splitBrain(
  env: Environment,
  group: string,
  order: readonly string[],
  durationMs?: number,
): FaultSpec {
  const cut = Math.floor(order.length / 2);
  const [left, right] = [order.slice(0, cut), order.slice(cut)];
  return toxicFault(env, {
    // One word, as `the … detects the split-brain within …` and `the audit log shows the split-brain event`
    // read a fault kind (and a system's `events` key).
    kind: 'split-brain',
    description: `split brain of the ${group}: ${left.join(', ')} cut from ${right.join(', ')}, each keeping its clients`,
    targets: right,
    touches: [...order],
    cuts: halvesOf(env.topology, left, right).map((link) => ({ link, streams: ['upstream', 'downstream'] })),
    toxic: BLACK_HOLE,
    proof: { kind: 'silent' },
    durationMs,
  });
}
