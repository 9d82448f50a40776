import { dnsName } from '../../dns/names.ts';
import { failureWord, lookupWords } from '../../dns/words.ts';
import { describe, hit, lastingMs, lasts, type Meaning, text, words } from '../meaning.ts';

// DNS faults: a service's lookups of another name: what each step strikes, for how long, with what blast radius.

export const DNS: Record<string, Meaning> = {
  "^(?:the )?(\\S+?)'s lookups of (?:the )?(\\S+) (?:fail with (.+?)|get (no answer))(?: for (.+))?$": {
    kind: 'fault',
    note: ([vantage, target, failing, silent, lasting], notes) => {
      words(notes, (t) => lookupWords(t, text(vantage), text(target)));
      const failure = failureWord(text(failing ?? silent));
      const name = dnsName(text(target));
      hit(
        notes,
        `DNS ${failure === 'no answer' ? 'no answer (queries dropped)' : failure}`,
        text(vantage),
        `${text(vantage)}'s lookups of ${name}`,
        lasts(lasting, 'heals'),
        `cannot resolve ${name} (new connections to ${text(target)} fail; open ones are untouched)`,
      );
      const durationMs = lastingMs(lasting);
      // The name a cluster's DNS answers for the service: its Kubernetes Service, named as in the topology.
      describe(notes, {
        family: 'dns',
        vantage: { name: text(vantage), mode: 'all' },
        name: text(target),
        failure,
        ...(durationMs === undefined ? {} : { durationMs }),
      });
    },
  },
};
