import { When } from '@cucumber/cucumber';
import { failureWord, lookupWords } from '../support/dns/words.ts';
import { lookupFailure } from '../support/faults/dns/lookup.ts';
import type { FaultlineWorld } from '../support/world.ts';
import { holdingMs, inject } from './judge.ts';

// DNS faults, in the system's own names: one service's lookups of another's name fail (NXDOMAIN, SERVFAIL)
// or get no answer, for a while or until rollback (support/faults/dns/lookup.ts).

When(
  /^(?:the )?(\S+?)'s lookups of (?:the )?(\S+) (?:fail with (.+?)|get (no answer))(?: for (.+))?$/,
  async function (
    this: FaultlineWorld,
    vantage: string,
    target: string,
    failing: string | undefined,
    silent: string | undefined,
    lasting?: string,
  ) {
    // Every word is checked before anything is applied.
    lookupWords(this.env.topology, vantage, target);
    const failure = failureWord(failing ?? silent ?? '');
    const durationMs = holdingMs(this, lasting);
    await inject(this, lookupFailure(this.env, vantage, target, failure, durationMs));
  },
);
