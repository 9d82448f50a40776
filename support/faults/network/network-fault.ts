import type { Environment } from '../../env/environment.ts';
import type { FaultSpec } from '../ledger.ts';
import type { Effect } from './effects.ts';
import { flap } from './flap.ts';
import { toxicFault } from './toxic.ts';
import { struck, type Where } from './where.ts';

/** The fault a network step means: its effect on the links its words name (one service at a time). */
export function networkFault(
  env: Environment,
  where: Where,
  effect: Effect,
  durationMs: number | undefined,
  target?: string,
): FaultSpec {
  const { cuts, targets, touches } = struck(env.topology, where, effect.streams, target);
  const on = where.kind === 'services' ? `every link into ${target}` : where.phrase;
  const plan = {
    kind: effect.kind,
    description: `${effect.label} on ${on}${where.kind === 'traffic' ? ' (that direction only)' : ''}`,
    targets,
    touches,
    cuts,
    toxic: effect.toxic,
    proof: effect.proof,
    durationMs,
  };
  return effect.flapMs === undefined ? toxicFault(env, plan) : flap(env, plan, effect.flapMs);
}
