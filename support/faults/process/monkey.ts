import type { Environment } from '../../env/environment.ts';
import { type Random, shuffle } from '../../random.ts';
import { guardService } from '../guard.ts';
import type { FaultSpec } from '../ledger.ts';
import { type OperationsSource, trafficInto } from './felt.ts';
import { killOne, revive } from './kill.ts';

// A chaos monkey (Netflix's, in miniature): every `everyMs` for `forMs` it SIGKILLs `count` members of a
// group, drawn from the seeded stream among those alive at that moment — the same victims in the same order
// on a re-run with the same seed (and the same timing of the system's own restarts). Whether a victim comes
// back between rounds is the system's business (its restart policy); the undo stops the monkey and brings
// back whatever is still down. Every round is added to the fault's evidence as it happens.

export interface MonkeyOptions {
  phrase: string;
  members: readonly string[];
  count: number;
  everyMs: number;
  forMs: number;
  random: Random;
  operations?: OperationsSource;
}

export function monkey(env: Environment, options: MonkeyOptions): FaultSpec {
  const { members, count, everyMs, forMs, random } = options;
  for (const m of members) guardService(env, m);
  const traffic = trafficInto(env, members, 'chaos monkey', options.operations);
  const evidence: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<unknown> = Promise.resolve();
  let stopped = false;
  let rounds = 0;
  /** When the monkey began (its first round): rounds and its end count from here. */
  let t0 = Date.now();

  const strike = async (): Promise<void> => {
    rounds += 1;
    const at = ((Date.now() - t0) / 1000).toFixed(1);
    const alive = members.filter((m) => env.control(m).alive());
    const victims = shuffle(alive, random).slice(0, count);
    if (victims.length === 0) {
      evidence.push(`round ${rounds} at +${at} s: no member alive to kill`);
      return;
    }
    const lines = await Promise.all(
      victims.map((v) =>
        killOne(env.control(v), v, 'SIGKILL', 0, () => env.lifecycle(v)).catch(
          (e: Error) => `${v}: ${e.message}`,
        ),
      ),
    );
    evidence.push(
      `round ${rounds} at +${at} s: ${victims.join(', ')}${victims.length < count ? ` (only ${alive.length} alive)` : ''}`,
      ...lines.map((l) => `  ${l}`),
    );
  };

  return {
    kind: 'chaos-monkey',
    description: `a chaos monkey killing ${options.phrase} every ${everyMs / 1000} s for ${forMs / 1000} s`,
    targets: [...members],
    durationMs: forMs,
    async apply() {
      t0 = Date.now();
      // The first round proves the monkey bites; it throws if that kill had no effect.
      const alive = members.filter((m) => env.control(m).alive());
      const first = shuffle(alive, random).slice(0, count);
      if (first.length === 0) throw new Error(`the chaos monkey found no member of ${options.phrase} alive`);
      rounds = 1;
      evidence.push(
        `round 1 at +0.0 s: ${first.join(', ')}`,
        ...(
          await Promise.all(
            first.map((v) => killOne(env.control(v), v, 'SIGKILL', 0, () => env.lifecycle(v))),
          )
        ).map((l) => `  ${l}`),
      );
      await traffic.begin();
      timer = setInterval(() => {
        if (stopped || Date.now() - t0 + 50 >= forMs) return;
        round = round.then(strike, strike);
      }, everyMs);
      timer.unref();
      // The ledger keeps this array: later rounds appear in the fault's evidence as they happen.
      return evidence;
    },
    felt: () => traffic.felt(),
    async undo() {
      stopped = true;
      clearInterval(timer);
      await round.catch(() => undefined);
      const failures: string[] = [];
      await Promise.all(
        members.map((m) =>
          revive(env.control(m), m).catch((e: Error) => failures.push(`${m}: ${e.message}`)),
        ),
      );
      if (failures.length > 0) throw new Error(`could not bring back ${failures.join('; ')}`);
    },
  };
}
