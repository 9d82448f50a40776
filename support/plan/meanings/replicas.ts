import { aimAt } from '../../faults/shape.ts';
import { parseDuration } from '../../parse.ts';
import {
  lagBound,
  primaryWord,
  replicableWord,
  replicaCountWords,
  replicaIndexWords,
} from '../../system/replica-words.ts';
import { replicaGroup } from '../../system/topology.ts';
import { steadyStateWords } from '../../system/words.ts';
import { count, describe, lastingMs, lasts, type Meaning, sizeOf, strike, text, words } from '../meaning.ts';

// Replica faults on a Postgres primary and its streaming replicas: what each step strikes, for how long,
// with what blast radius.

export const REPLICAS: Record<string, Meaning> = {
  'a healthy {word} with {int} registered {word} and {int} {word} replica(s)': {
    kind: 'steady state',
    note: ([coordinator, members, groupText, replicas, primary], notes) => {
      let group = text(groupText);
      if (notes.topology) {
        group = steadyStateWords(notes.topology, text(coordinator), count(members), group).group;
        replicableWord(notes.topology, text(primary));
      }
      notes.scale[group] = count(members);
      notes.scale[replicaGroup(text(primary))] = count(replicas);
      notes.system.push(
        `${text(coordinator)} with ${count(members)} ${group}, ${text(primary)} with ${count(replicas)} streaming replica${count(replicas) === 1 ? '' : 's'}`,
      );
    },
  },
  '^(\\d+) of the (\\S+) replicas fails?(?: for (.+))?$': {
    kind: 'fault',
    note: ([members, primary, lasting], notes) => {
      words(notes, (t) => replicaCountWords(t, count(members), text(primary)));
      strike(
        notes,
        'replica failure (SIGKILL)',
        count(members),
        replicaGroup(text(primary)),
        `${count(members)} of the ${text(primary)} replicas (seeded draw)`,
        lasts(lasting, 'restarted').replace('restarted', 'rejoins and catches up'),
        'each stops streaming from the primary and misses its writes',
      );
      const group = replicaGroup(text(primary));
      const durationMs = lastingMs(lasting);
      describe(notes, {
        family: 'replica',
        action: 'fails',
        aim: aimAt(group, count(members), sizeOf(group, notes)),
        ...(durationMs === undefined ? {} : { durationMs }),
      });
    },
  },
  '^the (\\S+) replica (\\d+) fails(?: for (.+))?$': {
    kind: 'fault',
    note: ([primary, index, lasting], notes) => {
      words(notes, (t) => replicaIndexWords(t, text(primary), count(index)));
      strike(
        notes,
        'replica failure (SIGKILL)',
        1,
        replicaGroup(text(primary)),
        `${text(primary)}-replica-${count(index)}`,
        lasts(lasting, 'restarted').replace('restarted', 'rejoins and catches up'),
        'stops streaming from the primary, misses its writes',
      );
      const durationMs = lastingMs(lasting);
      describe(notes, {
        family: 'replica',
        action: 'fails',
        aim: { name: `${text(primary)}-replica-${count(index)}`, mode: 'all' },
        ...(durationMs === undefined ? {} : { durationMs }),
      });
    },
  },
  '^the (\\S+) primary is killed and a replica is promoted(?: for (.+))?$': {
    kind: 'fault',
    note: ([primary, lasting], notes) => {
      words(notes, (t) => primaryWord(t, text(primary)));
      const into = notes.topology?.links.filter((l) => l.to === text(primary)).map((l) => l.from) ?? [];
      notes.faults.push({
        fault: 'failover: primary SIGKILL, replica promoted (pg_promote), links moved to it',
        targets: `${text(primary)} and 1 of its replicas (seeded draw)`,
        duration:
          lasting === undefined || lasting === null
            ? 'until rollback (primary restarted, promoted replica re-cloned)'
            : `${lasts(lasting, 'heals').replace('heals', 'primary restarted, promoted replica re-cloned')}`,
        blastRadius: `${text(primary)} (primary lost, writes during the failover discarded at failback)${
          into.length > 0 ? `; every service linked to it: ${[...new Set(into)].join(', ')}` : ''
        }`,
        members: 1,
        of: 1,
        group: text(primary),
      });
      describe(notes, { family: 'replica', action: 'promoted', aim: { name: text(primary), mode: 'all' } });
    },
  },
  '^the replica lag of the (\\S+) replicas is back under (.+) within (.+)$': {
    kind: 'verdict',
    note: ([primary, bound, within], notes) => {
      words(notes, (t) => primaryWord(t, text(primary)));
      lagBound(text(bound));
      parseDuration(text(within));
    },
  },
};
