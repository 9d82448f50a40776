import type { Environment } from '../../env/environment.ts';
import { until } from '../../poll.ts';
import { guardService } from '../guard.ts';
import type { FaultSpec } from '../ledger.ts';
import { probe } from '../probe.ts';
import { type OperationsSource, trafficInto } from './felt.ts';

// A pause freezes a service (SIGSTOP locally, the engine's cgroup freezer for a container): alive, holding
// its sockets and its registrations, but answering nothing — the failure a GC pause, a swapped-out VM or a
// stuck disk looks like, and harder on clients than a crash (no connection is refused, every call times
// out). The proof reads both sides: the kernel (or engine) says the process is stopped, and a probe to it
// gets no reply. The undo resumes it and proves it is no longer stopped.

const PROBE_MS = 500;
/** How long, and how often, the kernel's (or engine's) word that the process stopped or resumed is asked. */
const STATE_WAIT = { timeoutMs: 2_000, everyMs: 20 };

export function pause(
  env: Environment,
  targets: readonly string[],
  options: { phrase?: string; durationMs?: number; operations?: OperationsSource } = {},
): FaultSpec {
  for (const t of targets) guardService(env, t);
  const controls = targets.map((t) => env.control(t));
  const traffic = trafficInto(env, targets, 'pause', options.operations);
  const named =
    options.phrase && options.phrase.replace(/^the /, '') !== targets.join(', ')
      ? ` (${targets.join(', ')})`
      : '';
  return {
    kind: 'pause',
    description: `${options.phrase ?? targets.join(', ')}${named} paused`,
    targets: [...targets],
    durationMs: options.durationMs,
    async apply() {
      const evidence = await Promise.all(
        targets.map(async (t, i) => {
          const control = controls[i]!;
          if (!control.alive()) throw new Error(`cannot pause ${t}: it is not running`);
          const kind = env.topology.probes[t] ?? 'http';
          const before = await probe(kind, env.endpoint(t), 2_000);
          await control.pause();
          if (!(await until(() => control.paused(), STATE_WAIT)))
            throw new Error(`the pause had no effect: ${t} (${control.incarnation()}) is not stopped`);
          const after = await probe(kind, env.endpoint(t), PROBE_MS);
          if (after.replied)
            throw new Error(
              `the pause had no effect: ${t} is stopped but answered a ${kind} probe in ${after.ms} ms`,
            );
          return `${t} (${control.incarnation()}): ${kind} probe ${before.replied ? `answered in ${before.ms} ms` : `did not answer (${before.detail})`} before; stopped (${env.backend === 'local' ? 'process state T' : 'container State.Paused'}) and ${after.detail} after`;
        }),
      );
      await traffic.begin();
      return evidence;
    },
    felt: () => traffic.felt(),
    async undo() {
      const stuck: string[] = [];
      await Promise.all(
        targets.map(async (t, i) => {
          const control = controls[i]!;
          if (!control.alive()) return;
          await control.resume();
          if (!(await until(async () => !(await control.paused()), STATE_WAIT))) stuck.push(t);
        }),
      );
      if (stuck.length > 0) throw new Error(`${stuck.join(', ')} still stopped after resuming`);
    },
  };
}
