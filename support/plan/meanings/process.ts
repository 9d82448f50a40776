import { monkeyPeriod } from '../../faults/process/period.ts';
import { type Aim, aimAt, aimOf, type FaultShape } from '../../faults/shape.ts';
import { parseDuration } from '../../parse.ts';
import { targetWords } from '../../system/words.ts';
import {
  describe,
  formatDuration,
  groupOf,
  hit,
  lastingMs,
  lasts,
  type Meaning,
  type PlanNotes,
  sizeOf,
  strike,
  text,
  UNTIL_ROLLBACK,
  words,
} from '../meaning.ts';

// Process faults on services: what each step strikes, for how long, with what blast radius. The target
// phrase is read by the same grammar as the step's ("redis", "the workers", "2 of the workers").

/**
 * Notes a fault on a target phrase — one service alone, or N (all) of a group against the group's size —
 * and returns its aim, for the fault's shape (resource faults share it with a shape of their own).
 */
export function noteTarget(
  notes: PlanNotes,
  phrase: string,
  fault: string,
  duration: string,
  effect: string,
): Aim {
  const target = planned(notes, phrase);
  if (target.group === undefined) hit(notes, fault, target.service, phrase, duration, effect);
  else strike(notes, fault, target.count, target.group, phrase, duration, effect);
  return target.group === undefined
    ? ({ name: target.service, mode: 'all' } as const)
    : target.percent !== undefined
      ? aimOf({ group: target.group, members: [], count: target.count, percent: target.percent })
      : aimAt(target.group, target.count, sizeOf(target.group, notes));
}

/** A process fault on a target phrase, with its shape. */
function aimed(
  notes: PlanNotes,
  phrase: string,
  fault: string,
  duration: string,
  effect: string,
  action: Extract<FaultShape, { family: 'process' }>['action'],
  durationMs?: number,
): void {
  const aim = noteTarget(notes, phrase, fault, duration, effect);
  describe(notes, {
    family: 'process',
    action,
    aim,
    ...(durationMs === undefined ? {} : { durationMs }),
  });
}

/** The group and count a phrase strikes, or the one service; checked when the topology is known. */
function planned(
  notes: PlanNotes,
  phrase: string,
): { group: string; count: number; percent?: number } | { group: undefined; service: string } {
  if (notes.topology) {
    const t = targetWords(notes.topology, phrase);
    return t.group === undefined
      ? { group: undefined, service: t.members[0]! }
      : { group: t.group, count: t.count, ...(t.percent === undefined ? {} : { percent: t.percent }) };
  }
  const share = /^(\d+(?:\.\d+)?)\s*% of (?:the |its )?(\S+)$/.exec(phrase.trim());
  if (share) {
    const group = groupOf(share[2]!, notes);
    const size = sizeOf(group, notes);
    if (size === undefined)
      throw new Error(
        `'${phrase.trim()}': a share of the ${group} needs the group's size; declare it in the steady-state step or select a system`,
      );
    return { group, count: Math.floor((size * Number(share[1])) / 100), percent: Number(share[1]) };
  }
  // Without a system the words cannot be checked; the group's size comes from the steady-state step.
  const some = /^(\d+) of (?:the |its )?(\S+)$/.exec(phrase.trim());
  if (some) return { group: groupOf(some[2]!, notes), count: Number(some[1]) };
  const word = phrase.trim().replace(/^the /, '');
  const group = groupOf(word, notes);
  const size = sizeOf(group, notes);
  return size === undefined ? { group: undefined, service: word } : { group, count: size };
}

export const PROCESS: Record<string, Meaning> = {
  '^(.+?) (?:is|are) killed with SIGKILL(?: for (.+))?$': {
    kind: 'fault',
    note: ([phrase, lasting], notes) =>
      aimed(
        notes,
        text(phrase),
        'SIGKILL',
        lasts(lasting, 'restarted'),
        'process killed',
        'kill',
        lastingMs(lasting),
      ),
  },
  '^(.+?) (?:is|are) stopped with SIGTERM(?: for (.+))?$': {
    kind: 'fault',
    note: ([phrase, lasting], notes) =>
      aimed(
        notes,
        text(phrase),
        'SIGTERM',
        lasts(lasting, 'restarted'),
        'process stopped gracefully',
        'stop',
        lastingMs(lasting),
      ),
  },
  '^(.+?) (?:is|are) paused(?: for (.+))?$': {
    kind: 'fault',
    note: ([phrase, lasting], notes) =>
      aimed(
        notes,
        text(phrase),
        'pause (SIGSTOP / container pause)',
        lasting === undefined || lasting === null
          ? `${UNTIL_ROLLBACK} (resumed)`
          : `${formatDuration(parseDuration(text(lasting)))}, then resumed`,
        'alive but answers nothing',
        'pause',
        lastingMs(lasting),
      ),
  },
  '^(.+?) (?:is|are) restarted$': {
    kind: 'fault',
    note: ([phrase], notes) =>
      aimed(
        notes,
        text(phrase),
        'restart',
        'the restart itself (stop, start, ready)',
        'down while it restarts',
        'restart',
      ),
  },
  '^a chaos monkey kills (.+?) every (.+?) for (.+)$': {
    kind: 'fault',
    note: ([phrase, every, lasting], notes) => {
      const { everyMs, forMs } = monkeyPeriod(text(every), text(lasting), parseDuration);
      const rounds = Math.ceil(forMs / everyMs);
      aimed(
        notes,
        text(phrase),
        `chaos monkey: SIGKILL every ${formatDuration(everyMs)} (${rounds} rounds, seeded draw)`,
        `${formatDuration(forMs)}, then whatever is down is restarted`,
        'processes killed each round',
        'monkey',
        forMs,
      );
    },
  },
  '^the (\\S+) handling it is killed with SIGKILL (.+) in$': {
    kind: 'fault',
    note: ([member, after], notes) => {
      strike(
        notes,
        `SIGKILL ${formatDuration(parseDuration(text(after)))} into its work`,
        1,
        groupOf(text(member), notes),
        `the ${text(member)} holding the in-flight request`,
        `${UNTIL_ROLLBACK} (restarted)`,
        'process killed mid-request',
      );
      describe(notes, {
        family: 'process',
        action: 'in-flight',
        aim: { name: groupOf(text(member), notes), mode: 'one' },
      });
    },
  },
  '^(.+?) restarts? within (.+)$': {
    kind: 'verdict',
    note: ([phrase, bound], notes) => {
      parseDuration(text(bound));
      words(notes, (t) => targetWords(t, text(phrase)));
    },
  },
  '^(.+?) restarts? at most (\\d+) times? per minute$': {
    kind: 'verdict',
    note: ([phrase], notes) => words(notes, (t) => targetWords(t, text(phrase))),
  },
};
