import { malformedCount, malformedKinds } from '../../data/words.ts';
import { operationKind } from '../../load/phrases.ts';
import { parseDuration } from '../../parse.ts';
import { serviceWord } from '../../system/words.ts';
import { formatDuration, hit, type Meaning, type PlanNotes, text, words } from '../meaning.ts';

// Data faults: malformed requests of an operation, sent to the service its declared request goes to. The
// same word checks the steps make (the count, the ways to malform, the operation), then the fault itself.

/** The service an operation's declared request goes to, when the plan knows the system. */
function receiver(notes: PlanNotes, kind: string): string | undefined {
  const request = notes.requests?.[kind];
  if (!notes.requests) return undefined;
  if (!request)
    throw new Error(
      `the operation '${kind}' declares no request to malform (an http({ json }) operation, or requests['${kind}'] in its defineSystem); operations with one: ${Object.keys(notes.requests).join(', ') || 'none'}`,
    );
  return request({ id: 'plan', random: () => 0.5 }).service;
}

export const DATA: Record<string, Meaning> = {
  '^a client submits (\\S+) malformed (.+?) \\((.+)\\)(?: over (.+))?$': {
    kind: 'fault',
    note: ([countText, kindWords, how, over], notes) => {
      const count = malformedCount(text(countText));
      const kinds = malformedKinds(text(how));
      const kind = notes.operations ? operationKind(text(kindWords), notes.operations) : text(kindWords);
      const lasting = over ? formatDuration(parseDuration(text(over))) : 'as sent, 4 at a time';
      const service = receiver(notes, kind);
      const families = [...new Set(kinds.map((k) => k.family))].join(', ');
      const fault = `${count} malformed ${kind}s (${families})`;
      if (service === undefined)
        notes.faults.push({
          fault,
          targets: `the service ${kind}s go to`,
          duration: lasting,
          blastRadius: `the service ${kind}s go to (system not loaded)`,
          members: 1,
          group: kind,
        });
      else hit(notes, fault, service, service, lasting, `receives ${count} malformed requests`);
    },
  },
  '^every malformed (.+) is rejected with a 4xx status$': { kind: 'verdict' },
  '^no malformed (.+) is charged or stored$': { kind: 'verdict' },
  'the {word} stays healthy': {
    kind: 'verdict',
    note: ([service], notes) => words(notes, (t) => serviceWord(t, text(service))),
  },
  "^the (\\S+?)'s memory stays within (.+) of its baseline$": {
    kind: 'verdict',
    note: ([service], notes) => words(notes, (t) => serviceWord(t, text(service))),
  },
};
