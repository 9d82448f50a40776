import { StepInputError } from '../parse.ts';
import { lookingUp, type Topology } from '../system/topology.ts';
import { linkWords, WordError } from '../system/words.ts';
import { dnsName } from './names.ts';
import { LOOKUP_FAILURES, type LookupFailure } from './resolver.ts';

// The words of a DNS fault step: "the controller's lookups of postgres fail with NXDOMAIN". The looking-up
// service must be one whose lookups go to faultline's resolver (its env addresses something by name), and
// the name must be one of its links (the name stands for the link). Checked by the step and by the plan.

/** "NXDOMAIN", "SERVFAIL" (any case), or "no answer" → the failure; anything else names what is accepted. */
export function failureWord(word: string): LookupFailure {
  const normal = word.trim().replace(/\s+/g, ' ');
  const found = LOOKUP_FAILURES.find((f) => f.toLowerCase() === normal.toLowerCase());
  if (found) return found;
  throw new StepInputError(
    `'${word}' is not a way a DNS lookup fails: use NXDOMAIN (the name does not exist), SERVFAIL (the server failed), or "get no answer" (the query is dropped)`,
  );
}

/** The vantage and the name of "<vantage>'s lookups of <target>". */
export function lookupWords(
  topology: Topology,
  vantage: string,
  target: string,
): { vantage: string; target: string } {
  linkWords(topology, vantage, target);
  const looking = lookingUp(topology);
  if (!looking.includes(vantage))
    throw new WordError(
      `${vantage} does not look names up through faultline's resolver, so its lookups cannot be failed: ` +
        (looking.length > 0
          ? `services that do: ${looking.join(', ')}. `
          : `no service of '${topology.name}' does. `) +
        `A service's lookups go there when its env addresses a dependency by name: w.host('${target}') or w.url('${target}', { byName: true }) (${dnsName(target)})`,
    );
  return { vantage, target };
}
