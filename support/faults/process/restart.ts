import type { Environment } from '../../env/environment.ts';
import { guardService } from '../guard.ts';
import type { FaultSpec } from '../ledger.ts';
import { probe } from '../probe.ts';
import { type OperationsSource, trafficInto } from './felt.ts';

// A restart is what a deploy or an operator does: stop the service politely, start it again, wait until it
// is ready. It holds from the stop to the new process answering; the proof is a new incarnation (pid, or a
// container's start time) that answers its own protocol. The system's traffic is counted over the whole
// restart: what reached the service while it was going down, away and coming back.

export function restart(
  env: Environment,
  targets: readonly string[],
  options: { phrase?: string; operations?: OperationsSource } = {},
): FaultSpec {
  const { phrase } = options;
  for (const t of targets) guardService(env, t);
  const controls = targets.map((t) => env.control(t));
  const traffic = trafficInto(env, targets, 'restart', options.operations);
  const named =
    phrase && phrase.replace(/^the /, '') !== targets.join(', ') ? ` (${targets.join(', ')})` : '';
  return {
    kind: 'restart',
    description: `${phrase ?? targets.join(', ')}${named} restarted`,
    targets: [...targets],
    // Over once it is applied: its window is the restart itself.
    durationMs: 0,
    async apply() {
      await traffic.begin();
      return Promise.all(
        targets.map(async (t, i) => {
          const control = controls[i]!;
          if (!control.alive()) throw new Error(`cannot restart ${t}: it is not running`);
          const before = control.incarnation();
          const started = performance.now();
          await control.restart();
          const ms = Math.round(performance.now() - started);
          const after = control.incarnation();
          if (!control.alive() || after === before)
            throw new Error(
              `the restart had no effect: ${t} is ${control.alive() ? `still ${before}` : 'not running'}`,
            );
          const kind = env.topology.probes[t] ?? 'http';
          const answer = await probe(kind, env.endpoint(t), 2_000);
          if (!answer.replied)
            throw new Error(`${t} restarted (${after}) but does not answer: ${answer.detail}`);
          return `${t} restarted: ${before} → ${after}, ready again ${ms} ms after the stop began; ${kind} probe answered in ${answer.ms} ms`;
        }),
      );
    },
    felt: () => traffic.felt(),
    async undo() {
      // Nothing to take back; a target that did not come back is started again.
      for (const [i, t] of targets.entries()) {
        const control = controls[i]!;
        if (!control.alive()) await control.restart();
        if (!control.alive()) throw new Error(`${t} is not running after its restart`);
      }
    },
  };
}
