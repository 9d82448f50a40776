import type { Environment, LifecycleEvent, ServiceControl } from '../../env/environment.ts';
import { guardService } from '../guard.ts';
import type { FaultSpec } from '../ledger.ts';
import { type OperationsSource, trafficInto } from './felt.ts';

// A kill ends a service's process by a signal. SIGKILL (a crash): no shutdown handler runs, in-flight work
// is lost mid-way, sockets are torn down by the kernel. SIGTERM (a graceful stop): the service may finish
// what it holds and exit by itself; one that is still there after the grace period gets SIGKILL, and the
// evidence says it needed it. The proof is the process itself: alive before, gone after (or already started
// again by its supervisor: a new incarnation), with its exit status. The undo brings every target back with
// the same configuration and port — or, under a restart policy, waits for the supervisor's own restart.

export type KillSignal = 'SIGKILL' | 'SIGTERM';

/** How long a SIGTERM'd service may take to exit by itself before it gets SIGKILL. */
export const DEFAULT_GRACE_MS = 5_000;

const describeExit = (exit: { code: number | null; signal: string | null } | undefined) =>
  exit === undefined
    ? 'exit status not known'
    : exit.signal !== null
      ? `exit: signal ${exit.signal}${exit.code !== null ? ` (code ${exit.code})` : ''}`
      : `exit: code ${exit.code}`;

/** Signals one target and proves it went; one evidence line. */
export async function killOne(
  control: ServiceControl,
  target: string,
  signal: KillSignal,
  graceMs: number,
  /** The backend's record of the target's exits: the status when its supervisor already started it again. */
  recorded: () => readonly LifecycleEvent[] = () => [],
): Promise<string> {
  if (!control.alive()) throw new Error(`cannot kill ${target}: it is not running`);
  const before = control.incarnation();
  const started = performance.now();
  const termination = signal === 'SIGTERM' ? await control.terminate(graceMs) : undefined;
  if (signal === 'SIGKILL') await control.kill();
  const ms = Math.round(performance.now() - started);
  if (control.alive() && control.incarnation() === before)
    throw new Error(`the ${signal} had no effect: ${target} (${before}) is still alive`);
  const exit =
    termination?.exit ??
    control.exited?.() ??
    recorded().findLast((e) => e.event === 'exited' && e.incarnation === before)?.exit;
  const back = control.alive() ? `, already started again (${control.incarnation()})` : '';
  if (signal === 'SIGKILL')
    return `${target} (${before}) was alive, received SIGKILL and was gone ${ms} ms later (${describeExit(exit)})${back}`;
  return termination?.graceful
    ? `${target} (${before}) was alive, received SIGTERM and exited gracefully ${termination.ms} ms later, within the ${graceMs} ms grace period (${describeExit(exit)})${back}`
    : `${target} (${before}) was alive, received SIGTERM, had not exited after the ${graceMs} ms grace period and needed SIGKILL (${describeExit(exit)})${back}`;
}

/** Brings a target back unless it runs (a restart under a policy waits for the supervisor's). */
export async function revive(control: ServiceControl, target: string): Promise<void> {
  // A supervisor's restart under way is waited for, not raced: the process may look alive while it starts.
  await control.settled();
  if (!control.alive()) await control.restart();
  if (!control.alive()) throw new Error(`${target} did not come back after its restart`);
}

export function kill(
  env: Environment,
  targets: readonly string[],
  options: {
    signal: KillSignal;
    phrase?: string;
    graceMs?: number;
    durationMs?: number;
    operations?: OperationsSource;
  },
): FaultSpec {
  for (const t of targets) guardService(env, t);
  const { signal, graceMs = DEFAULT_GRACE_MS } = options;
  const controls = targets.map((t) => env.control(t));
  const traffic = trafficInto(env, targets, signal === 'SIGKILL' ? 'crash' : 'stop', options.operations);
  const named =
    options.phrase && options.phrase.replace(/^the /, '') !== targets.join(', ')
      ? ` (${targets.join(', ')})`
      : '';
  return {
    // 'crash' is what "the … detects the crash" and a system's crash events are keyed by.
    kind: signal === 'SIGKILL' ? 'crash' : 'terminate',
    description: `${options.phrase ?? targets.join(', ')}${named} ${signal === 'SIGKILL' ? 'killed with SIGKILL' : 'stopped with SIGTERM'}`,
    targets: [...targets],
    durationMs: options.durationMs,
    async apply() {
      // All at once: "2 of the workers are killed" is one event.
      const evidence = await Promise.all(
        targets.map((t, i) => killOne(controls[i]!, t, signal, graceMs, () => env.lifecycle(t))),
      );
      await traffic.begin();
      return evidence;
    },
    felt: () => traffic.felt(),
    async undo() {
      const failures: string[] = [];
      await Promise.all(
        targets.map((t, i) =>
          revive(controls[i]!, t).catch((e: Error) => failures.push(`${t}: ${e.message}`)),
        ),
      );
      if (failures.length > 0) throw new Error(`could not bring back ${failures.join('; ')}`);
    },
  };
}
