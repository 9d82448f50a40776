import { parseProblem } from '../../faults/tls/certificate.ts';
import { parseDuration } from '../../parse.ts';
import {
  coordinated,
  count,
  formatDuration,
  type Meaning,
  strike,
  text,
  UNTIL_ROLLBACK,
} from '../meaning.ts';

// Certificate faults on the members of a group: what each step strikes, for how long, with what blast radius.

export const CERTIFICATES: Record<string, Meaning> = {
  "^(\\d+) of the (\\S+?)'s (\\S+) presents? a certificate that is (.+)$": {
    kind: 'fault',
    note: ([members, coordinator, group, problem], notes) =>
      strike(
        notes,
        `certificate ${parseProblem(text(problem)).kind}`,
        count(members),
        coordinated(notes, coordinator, members, group),
        `${count(members)} of the ${text(coordinator)}'s ${text(group)}: their client certificates`,
        `${UNTIL_ROLLBACK} (renewed)`,
        'registration refused',
      ),
  },
  "^the certificate of (\\d+) of the (\\S+?)'s (\\S+) expires in (.+)$": {
    kind: 'fault',
    note: ([members, coordinator, group, within], notes) =>
      strike(
        notes,
        `certificate expires in ${formatDuration(parseDuration(text(within)))}`,
        count(members),
        coordinated(notes, coordinator, members, group),
        `${count(members)} of the ${text(coordinator)}'s ${text(group)}: their client certificates`,
        `${UNTIL_ROLLBACK} (renewed)`,
        'registration refused once expired',
      ),
  },
};
