import { parseDuration } from '../../parse.ts';
import { linkedWords, linkWords } from '../../system/words.ts';
import {
  coordinated,
  count,
  cutSide,
  formatDuration,
  hit,
  lasts,
  type Meaning,
  strike,
  text,
  UNTIL_ROLLBACK,
  words,
} from '../meaning.ts';

// Network faults on links through the fault proxy: what each step strikes, for how long, with what blast radius.

export const NETWORK: Record<string, Meaning> = {
  'the network between the {word} and {int} of its {word} is partitioned for {duration}': {
    kind: 'fault',
    note: ([coordinator, members, group, ms], notes) =>
      strike(
        notes,
        'network partition (black hole, both directions)',
        count(members),
        coordinated(notes, coordinator, members, group),
        `${count(members)} of the ${text(coordinator)}'s ${text(group)}: their links from ${text(coordinator)}`,
        `${formatDuration(count(ms))}, then heals`,
        'unreachable from the coordinator',
      ),
  },
  "^(\\d+) of the (\\S+?)'s (\\S+) respond (.+?) slower(?: for (.+))?$": {
    kind: 'fault',
    note: ([members, coordinator, group, delay, lasting], notes) =>
      strike(
        notes,
        `latency +${formatDuration(parseDuration(text(delay)))} on responses`,
        count(members),
        coordinated(notes, coordinator, members, group),
        `${count(members)} of the ${text(coordinator)}'s ${text(group)}: their links from ${text(coordinator)}`,
        lasting ? `${formatDuration(parseDuration(text(lasting)))}, then heals` : UNTIL_ROLLBACK,
        'answers arrive late',
      ),
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
    },
  },
  '^the link from (?:the )?(\\S+) to (?:the )?(\\S+) is slowed by (.+?)(?: for (.+))?$': {
    kind: 'fault',
    note: ([from, to, delay, lasting], notes) => {
      const fault = `latency +${formatDuration(parseDuration(text(delay)))} on responses`;
      words(notes, (t) => linkWords(t, text(from), text(to)));
      hit(
        notes,
        fault,
        text(to),
        `the link ${text(from)} → ${text(to)}`,
        lasts(lasting, 'heals'),
        `answers to ${text(from)} arrive late`,
        `${text(from)}: answers from ${text(to)} arrive late`,
      );
    },
  },
};
