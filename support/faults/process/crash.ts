import type { Environment } from '../../env/environment.ts';
import type { FaultSpec } from '../ledger.ts';
import { kill } from './kill.ts';

// A crash of the member holding a request: SIGKILL on one service (kill.ts). Its traffic proof is the
// request itself — the step found the member working on it and killed it mid-way — so the proxy's counters,
// which might see nothing more reach a member the system has already given up on, are not asked.
export function crash(env: Environment, target: string, durationMs?: number): FaultSpec {
  const { felt: _counted, ...spec } = kill(env, [target], { signal: 'SIGKILL', durationMs });
  return spec;
}
