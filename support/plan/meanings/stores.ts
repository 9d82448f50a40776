import { parseKeyPattern } from '../../faults/stores/poison.ts';
import { type StoreKind, storeWord } from '../../faults/stores/store.ts';
import { parseDuration } from '../../parse.ts';
import type { Topology } from '../../system/topology.ts';
import { subjectWord } from '../../system/words.ts';
import {
  describe,
  formatDuration,
  hit,
  lastingMs,
  lasts,
  type Meaning,
  type PlanNotes,
  text,
  words,
} from '../meaning.ts';

// Dependency faults on the stores faultline starts (Redis, Postgres, replicas): what each step strikes, for
// how long, with what blast radius. The blast radius of a store fault is every service that talks to it.

/** The services with a link into `store`, for the blast radius. */
function usersOf(topology: Topology | undefined, store: string): string {
  const users = [...new Set(topology?.links.filter((l) => l.to === store).map((l) => l.from) ?? [])];
  return users.length > 0 ? users.join(', ') : 'every service that uses it';
}

/** A fault on one store: its word checked (a store of `kind`), planned against the store and its users. */
function onStore(
  kind: StoreKind,
  /** What the fault does to the store, as data (support/faults/shape.ts). */
  action: string,
  fault: (args: readonly unknown[]) => { fault: string; targets?: string; duration: string; effect: string },
  /** The argument holding "for <duration>", if the step has one. */
  lastingAt?: number,
) {
  return (args: readonly unknown[], notes: PlanNotes) => {
    const name = text(args[0]);
    words(notes, (t) => storeWord(t, name, kind));
    const f = fault(args);
    hit(
      notes,
      f.fault,
      name,
      f.targets ?? name,
      f.duration,
      f.effect,
      `${name} and everyone using it (${usersOf(notes.topology, name)}): ${f.effect}`,
    );
    const durationMs = lastingAt === undefined ? undefined : lastingMs(args[lastingAt]);
    describe(notes, {
      family: 'store',
      action,
      aim: { name, mode: 'all' },
      ...(durationMs === undefined ? {} : { durationMs }),
    });
  };
}

export const STORES: Record<string, Meaning> = {
  '^(?:the )?(\\S+) is stopped(?: for (.+))?$': {
    kind: 'fault',
    note: onStore(
      'redis',
      'stopped',
      ([, lasting]) => ({
        fault: 'store stopped (SIGKILL; back with its data)',
        duration: lasts(lasting, 'restarted'),
        effect: 'connections refused',
      }),
      1,
    ),
  },
  '^(?:the )?(\\S+) restarts empty$': {
    kind: 'fault',
    note: onStore('redis', 'restarts empty', () => ({
      fault: 'store restarted empty (every key flushed)',
      duration: 'instant (the data stays gone)',
      effect: 'every key lost',
    })),
  },
  '^the (\\S+) key "(.*)" is poisoned(?: for (.+))?$': {
    kind: 'fault',
    note: onStore(
      'redis',
      'poisoned',
      ([name, key, lasting]) => ({
        fault: 'cache poisoning (seeded corrupt bytes)',
        targets: `${text(name)} key ${JSON.stringify(parseKeyPattern(text(key), false))}`,
        duration: lasts(lasting, 'heals'),
        effect: 'reads return corrupt bytes',
      }),
      2,
    ),
  },
  '^the (\\S+) keys matching "(.*)" are poisoned(?: for (.+))?$': {
    kind: 'fault',
    note: onStore(
      'redis',
      'poisoned',
      ([name, pattern, lasting]) => ({
        fault: 'cache poisoning (seeded corrupt bytes)',
        targets: `${text(name)} keys matching ${JSON.stringify(parseKeyPattern(text(pattern), true))}`,
        duration: lasts(lasting, 'heals'),
        effect: 'reads return corrupt bytes',
      }),
      2,
    ),
  },
  '^(?:the )?(\\S+) runs out of connection slots(?: for (.+))?$': {
    kind: 'fault',
    note: onStore(
      'postgres',
      'connection slots exhausted',
      ([, lasting]) => ({
        fault: 'connection slots exhausted (held by faultline)',
        duration: lasts(lasting, 'heals'),
        effect: 'new connections refused',
      }),
      1,
    ),
  },
  '^(?:the )?(\\S+) turns read-only(?: for (.+))?$': {
    kind: 'fault',
    note: onStore(
      'postgres',
      'read-only',
      ([, lasting]) => ({
        fault: 'read-only (default_transaction_read_only)',
        duration: lasts(lasting, 'heals'),
        effect: 'writes refused',
      }),
      1,
    ),
  },
  '^(?:the )?(\\S+) terminates its open connections$': {
    kind: 'fault',
    note: onStore('postgres', 'connections terminated', () => ({
      fault: 'open connections terminated (pg_terminate_backend)',
      duration: 'instant (the system reconnects)',
      effect: 'in-flight queries fail',
    })),
  },
  '^(?:the )?(\\S+) queries take (.+?) longer(?: for (.+))?$': {
    kind: 'fault',
    note: onStore(
      'postgres',
      'slow queries',
      ([, delay, lasting]) => ({
        fault: `slow queries +${formatDuration(parseDuration(text(delay)))} per writing transaction (server-side)`,
        duration: lasts(lasting, 'heals'),
        effect: 'writes answer late',
      }),
      2,
    ),
  },
  '^the (\\S+) detects the (\\S+) outage within (.+)$': {
    kind: 'verdict',
    note: ([subject, name, bound], n) => {
      parseDuration(text(bound));
      words(n, (t) => subjectWord(t, text(subject)));
      words(n, (t) => storeWord(t, text(name), 'store'));
    },
  },
};
