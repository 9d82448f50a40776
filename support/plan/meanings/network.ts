import { effectWords, NETWORK_FAULT_STEP } from '../../faults/network/effects.ts';
import { BLACK_HOLE } from '../../faults/network/partition.ts';
import { coordinatedShape, networkShape } from '../../faults/network/shape.ts';
import { failoverWords, splitWords, struck, whereWords } from '../../faults/network/where.ts';
import { aimAt } from '../../faults/shape.ts';
import { parseDuration } from '../../parse.ts';
import { groupWord, linkedWords, membersOf } from '../../system/words.ts';
import {
  coordinated,
  count,
  cutSide,
  describe,
  formatDuration,
  hit,
  lastingMs,
  lasts,
  type Meaning,
  sizeOf,
  strike,
  text,
  UNTIL_ROLLBACK,
  words,
} from '../meaning.ts';

// Network faults on links through the fault proxy: what each step strikes, for how long, with what blast radius.

export const NETWORK: Record<string, Meaning> = {
  'the network between the {word} and {int} of its {word} is partitioned for {duration}': {
    kind: 'fault',
    note: ([coordinator, members, group, ms], notes) => {
      const struck = coordinated(notes, coordinator, members, group);
      strike(
        notes,
        'network partition (black hole, both directions)',
        count(members),
        struck,
        `${count(members)} of the ${text(coordinator)}'s ${text(group)}: their links from ${text(coordinator)}`,
        `${formatDuration(count(ms))}, then heals`,
        'unreachable from the coordinator',
      );
      describe(
        notes,
        coordinatedShape(
          { kind: 'unreachable', label: 'black hole', toxic: BLACK_HOLE },
          aimAt(struck, count(members), sizeOf(struck, notes)),
          text(coordinator),
          'both',
          count(ms),
        ),
      );
    },
  },
  "^(\\d+) of the (\\S+?)'s (\\S+) respond (.+?) slower(?: for (.+))?$": {
    kind: 'fault',
    note: ([members, coordinator, group, delay, lasting], notes) => {
      const struck = coordinated(notes, coordinator, members, group);
      const latency = parseDuration(text(delay));
      strike(
        notes,
        `latency +${formatDuration(latency)} on responses`,
        count(members),
        struck,
        `${count(members)} of the ${text(coordinator)}'s ${text(group)}: their links from ${text(coordinator)}`,
        lasting ? `${formatDuration(parseDuration(text(lasting)))}, then heals` : UNTIL_ROLLBACK,
        'answers arrive late',
      );
      // Their answers to the coordinator are late: packets from the struck members to it.
      describe(
        notes,
        coordinatedShape(
          {
            kind: 'latency',
            label: `latency ${latency} ms`,
            toxic: { type: 'latency', attributes: { latency, jitter: 0 } },
          },
          aimAt(struck, count(members), sizeOf(struck, notes)),
          text(coordinator),
          'to',
          lasting ? parseDuration(text(lasting)) : undefined,
        ),
      );
    },
  },
  '^the network between (?:the )?(\\S+) and (?:the )?(?!\\d+ of its )(\\S+) is partitioned(?: for (.+))?$': {
    kind: 'fault',
    note: ([a, b, lasting], notes) => {
      words(notes, (t) => linkedWords(t, text(a), text(b)));
      const [cut, other] = cutSide(notes, text(a), text(b));
      hit(
        notes,
        'network partition (black hole, both directions)',
        cut,
        `every link between ${text(a)} and ${text(b)}`,
        lasts(lasting, 'heals'),
        `cut off from ${other}`,
        `${text(a)} ↔ ${text(b)}: unreachable from each other`,
      );
      if (notes.topology)
        describe(
          notes,
          networkShape(
            notes.topology,
            { kind: 'between', phrase: `the network between ${text(a)} and ${text(b)}`, a: other, b: cut },
            { ...effectWords('unreachable') },
            lastingMs(lasting),
          ),
        );
    },
  },
  [NETWORK_FAULT_STEP]: {
    kind: 'fault',
    note: ([subject, effectText, lasting], notes) => {
      const effect = effectWords(text(effectText));
      const duration = lasts(lasting, 'heals');
      if (!notes.topology) {
        notes.faults.push({
          fault: effect.label,
          targets: text(subject),
          duration,
          blastRadius: `${text(subject)}: ${effect.label}`,
          members: 1,
          group: text(subject),
        });
        return;
      }
      const where = whereWords(notes.topology, text(subject));
      const shape = networkShape(notes.topology, where, effect, lastingMs(lasting));
      if (where.kind === 'services') {
        const { targets } = where;
        const effectOn = `${effect.label} on every link into it`;
        if (targets.group !== undefined)
          strike(
            notes,
            effect.label,
            targets.count,
            targets.group,
            `${targets.phrase}: every link into each`,
            duration,
            effectOn,
          );
        else
          hit(
            notes,
            effect.label,
            targets.members[0]!,
            `every link into ${targets.members[0]}`,
            duration,
            effect.seen(targets.members[0]!),
            `everything that talks to ${targets.members[0]}: ${effect.seen(targets.members[0]!)}`,
          );
        return describe(notes, shape);
      }
      const { targets, touches } = struck(notes.topology, where, effect.streams);
      const other = touches.find((t) => !targets.includes(t)) ?? '';
      hit(
        notes,
        effect.label,
        targets[0]!,
        `${where.phrase}${where.kind === 'traffic' ? ' (that direction only)' : ''}`,
        duration,
        effect.seen(targets[0]!),
        `${other}: ${effect.seen(targets[0]!)}`,
      );
      describe(notes, shape);
    },
  },
  '^the (\\S+) (?:are|is) split into two halves(?: for (.+))?$': {
    kind: 'fault',
    note: ([groupText, lasting], notes) => {
      const group = notes.topology ? groupWord(notes.topology, text(groupText)) : text(groupText);
      if (notes.topology) splitWords(notes.topology, group, membersOf(notes.topology, group));
      const size = sizeOf(group, notes) ?? 2;
      strike(
        notes,
        'split brain (black hole between two halves)',
        size,
        group,
        `every link between two halves of the ${group} (a seeded draw)`,
        lasts(lasting, 'heals'),
        'each half cut from the other, keeping its clients',
      );
    },
  },
  '^the primary link from (?:the )?(\\S+) to (?:the )?(\\S+) fails(?: for (.+))?$': {
    kind: 'fault',
    note: ([from, to, lasting], notes) => {
      words(notes, (t) => failoverWords(t, text(from), text(to)));
      hit(
        notes,
        'link failover (primary link: 100% packet loss)',
        text(to),
        `the primary link from ${text(from)} to ${text(to)}; traffic must move to the secondary`,
        lasts(lasting, 'heals'),
        `${text(from)}'s primary link to it lost`,
        `${text(from)} → ${text(to)}: primary link lost, traffic must move to the secondary`,
      );
    },
  },
};
