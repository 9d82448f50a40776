import { parseDuration } from '../../parse.ts';
import { serviceWord } from '../../system/words.ts';
import {
  formatDuration,
  groupOf,
  hit,
  lasts,
  type Meaning,
  strike,
  text,
  UNTIL_ROLLBACK,
  words,
} from '../meaning.ts';

// Process faults on services: what each step strikes, for how long, with what blast radius.

export const PROCESS: Record<string, Meaning> = {
  '^(?:the )?(\\S+) is killed with SIGKILL(?: for (.+))?$': {
    kind: 'fault',
    note: ([target, lasting], notes) => {
      words(notes, (t) => serviceWord(t, text(target)));
      hit(notes, 'SIGKILL', text(target), text(target), lasts(lasting, 'restarted'), 'process killed');
    },
  },
  '^the (\\S+) handling it is killed with SIGKILL (.+) in$': {
    kind: 'fault',
    note: ([member, after], notes) =>
      strike(
        notes,
        `SIGKILL ${formatDuration(parseDuration(text(after)))} into its work`,
        1,
        groupOf(text(member), notes),
        `the ${text(member)} holding the in-flight request`,
        `${UNTIL_ROLLBACK} (restarted)`,
        'process killed mid-request',
      ),
  },
};
