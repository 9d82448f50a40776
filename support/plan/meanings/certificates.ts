import { aimAt } from '../../faults/shape.ts';
import { parseProblem } from '../../faults/tls/certificate.ts';
import { parseDuration } from '../../parse.ts';
import {
  coordinated,
  count,
  describe,
  formatDuration,
  type Meaning,
  sizeOf,
  strike,
  text,
  UNTIL_ROLLBACK,
} from '../meaning.ts';

// Certificate faults on the members of a group: what each step strikes, for how long, with what blast radius.

export const CERTIFICATES: Record<string, Meaning> = {
  "^(\\d+) of the (\\S+?)'s (\\S+) presents? a certificate that is (.+)$": {
    kind: 'fault',
    note: ([members, coordinator, group, problem], notes) => {
      const struck = coordinated(notes, coordinator, members, group);
      const kind = parseProblem(text(problem)).kind;
      strike(
        notes,
        `certificate ${kind}`,
        count(members),
        struck,
        `${count(members)} of the ${text(coordinator)}'s ${text(group)}: their client certificates`,
        `${UNTIL_ROLLBACK} (renewed)`,
        'registration refused',
      );
      describe(notes, {
        family: 'certificate',
        problem: kind,
        aim: aimAt(struck, count(members), sizeOf(struck, notes)),
      });
    },
  },
  "^the certificate of (\\d+) of the (\\S+?)'s (\\S+) expires in (.+)$": {
    kind: 'fault',
    note: ([members, coordinator, group, within], notes) => {
      const struck = coordinated(notes, coordinator, members, group);
      const expiresInMs = parseDuration(text(within));
      strike(
        notes,
        `certificate expires in ${formatDuration(expiresInMs)}`,
        count(members),
        struck,
        `${count(members)} of the ${text(coordinator)}'s ${text(group)}: their client certificates`,
        `${UNTIL_ROLLBACK} (renewed)`,
        'registration refused once expired',
      );
      describe(notes, {
        family: 'certificate',
        problem: 'expires',
        expiresInMs,
        aim: aimAt(struck, count(members), sizeOf(struck, notes)),
      });
    },
  },
};
