import { aimAt } from '../../faults/shape.ts';
import { parseProblem } from '../../faults/tls/certificate.ts';
import { parseServerProblem } from '../../faults/tls/server-certificate.ts';
import { parseDuration } from '../../parse.ts';
import { certifiedServiceWord } from '../../system/words.ts';
import {
  coordinated,
  count,
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
} from '../meaning.ts';

// Certificate faults on the members of a group (their client certificates) and on any service with a TLS
// port (its server certificate): what each step strikes, for how long, with what blast radius.

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
  '^the (\\S+) presents a certificate that is (.+?)(?: for (.+))?$': {
    kind: 'fault',
    note: ([service, problem, lasting], notes) => {
      const name = notes.topology ? certifiedServiceWord(notes.topology, text(service)) : text(service);
      const kind = parseServerProblem(text(problem));
      hit(
        notes,
        `server certificate ${kind}`,
        name,
        `${name}: its TLS server certificate`,
        lasting === undefined || lasting === null ? `${UNTIL_ROLLBACK} (renewed)` : lasts(lasting, 'heals'),
        "its clients' TLS handshakes fail",
      );
      const durationMs = lastingMs(lasting);
      describe(notes, {
        family: 'server certificate',
        problem: kind,
        aim: { name, mode: 'all' },
        ...(durationMs === undefined ? {} : { durationMs }),
      });
    },
  },
};
