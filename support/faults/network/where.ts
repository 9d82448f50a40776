import { type LinkSpec, linksBetween, type Topology } from '../../system/topology.ts';
import { linkedWords, linkWords, type Targets, targetWords, WordError } from '../../system/words.ts';
import type { Cut, Stream } from './toxic.ts';

// Where a network fault strikes, in the user's words — the one link grammar of every network step:
//   "the link from A to B"       the connections A opens to B (every port of B that A uses);
//   "the network between A and B" every link between them, whichever side opens it;
//   "the traffic from A to B"    one direction only: the bytes A sends to B, on every link between them
//                                (A's requests on A → B, A's replies on B → A), B's bytes to A untouched;
//   "redis", "the workers", "2 of the workers"
//                                a service (or some members of a group) on every link into it: cut off
//                                from everything that talks to it.
// The words are checked against the topology first (an unknown service, a link that does not exist), with
// the same WordError the other steps give, so `faultline plan` and a run agree.

export type Where =
  | { kind: 'link'; phrase: string; from: string; to: string }
  | { kind: 'between'; phrase: string; a: string; b: string }
  | { kind: 'traffic'; phrase: string; from: string; to: string }
  | { kind: 'services'; phrase: string; targets: Targets };

/** Reads a link or target phrase; throws a WordError naming the bad word and what exists. */
export function whereWords(topology: Topology, phrase: string): Where {
  const text = phrase.trim().replace(/^the /, '');
  const pair = /^(link|traffic) from (?:the )?(\S+) to (?:the )?(\S+)$/.exec(text);
  if (pair) {
    const [, noun, from, to] = pair as unknown as [string, 'link' | 'traffic', string, string];
    if (noun === 'link') linkWords(topology, from, to);
    else linkedWords(topology, from, to);
    return { kind: noun, phrase: phrase.trim(), from, to };
  }
  const between = /^network between (?:the )?(\S+) and (?:the )?(\S+)$/.exec(text);
  if (between) {
    const [, a, b] = between as unknown as [string, string, string];
    linkedWords(topology, a, b);
    return { kind: 'between', phrase: phrase.trim(), a, b };
  }
  if (/^(link|traffic|network) /.test(text))
    throw new WordError(
      `'${phrase.trim()}' is not a link: write 'the link from A to B', 'the traffic from A to B' (one direction) or 'the network between A and B' (both)`,
    );
  const targets = targetWords(topology, phrase);
  const unlinked = targets.members.filter((m) => !topology.links.some((l) => l.to === m));
  if (unlinked.length > 0)
    throw new WordError(
      `nothing in the system '${topology.name}' talks to ${unlinked.join(', ')} through the fault proxy, so a network fault on it strikes no link; services with links into them: ${[...new Set(topology.links.map((l) => l.to))].join(', ')}`,
    );
  return { kind: 'services', phrase: phrase.trim(), targets };
}

/** What one fault on a chosen target acts on and what the coverage matrix counts it against. */
export interface Struck {
  cuts: Cut[];
  targets: string[];
  touches: string[];
}

/**
 * The links and streams a fault at `where` acts on: `streams` of each link (the effect's own), except for
 * "the traffic from A to B", whose words choose the streams. `target` is the service struck when the
 * phrase names services (one fault per target).
 */
export function struck(topology: Topology, where: Where, streams: Stream[], target?: string): Struck {
  const each = (links: LinkSpec[], s: Stream[] = streams): Cut[] =>
    links.map((link) => ({ link, streams: s }));
  switch (where.kind) {
    case 'link':
      return {
        cuts: each(topology.links.filter((l) => l.from === where.from && l.to === where.to)),
        targets: [where.to],
        touches: [where.from, where.to],
      };
    case 'between':
      return {
        cuts: each(linksBetween(topology, where.a, where.b)),
        targets: [where.b],
        touches: [where.a, where.b],
      };
    case 'traffic': {
      const out = topology.links.filter((l) => l.from === where.from && l.to === where.to);
      const back = topology.links.filter((l) => l.from === where.to && l.to === where.from);
      return {
        cuts: [...each(out, ['upstream']), ...each(back, ['downstream'])],
        targets: [where.to],
        touches: [where.from, where.to],
      };
    }
    case 'services': {
      if (target === undefined) throw new Error(`a fault on ${where.phrase} needs the service it strikes`);
      const into = topology.links.filter((l) => l.to === target);
      return { cuts: each(into), targets: [target], touches: [target, ...into.map((l) => l.from)] };
    }
  }
}

/** "the primary link from A to B": A's links to B, in declaration order; a failover needs two. */
export function failoverWords(topology: Topology, from: string, to: string): [LinkSpec, LinkSpec[]] {
  linkWords(topology, from, to);
  const [primary, ...secondaries] = topology.links.filter((l) => l.from === from && l.to === to);
  if (primary === undefined || secondaries.length === 0)
    throw new WordError(
      `${from} has one link to ${to} in the system '${topology.name}', so it has nothing to fail over to: a link failover needs a primary and a secondary link between the same services (declare a second named port of ${to} that ${from} uses)`,
    );
  return [primary, secondaries];
}

/** The links between two halves of a group, either way: what a split brain cuts. */
export function halvesOf(topology: Topology, left: readonly string[], right: readonly string[]): LinkSpec[] {
  return topology.links.filter(
    (l) => (left.includes(l.from) && right.includes(l.to)) || (right.includes(l.from) && left.includes(l.to)),
  );
}

/** A group split brain needs members that talk to each other: say so when they never do. */
export function splitWords(topology: Topology, group: string, members: readonly string[]): void {
  if (members.length < 2)
    throw new WordError(
      `cannot split the ${group} in two: it has ${members.length} member(s); start at least 2`,
    );
  const inside = topology.links.filter((l) => members.includes(l.from) && members.includes(l.to));
  if (inside.length === 0)
    throw new WordError(
      `no link runs between members of the ${group} in the system '${topology.name}', so there is no brain to split: a split brain cuts members that talk to each other while each keeps its clients; links of the ${group}: ${topology.links
        .filter((l) => members.includes(l.from) || members.includes(l.to))
        .map((l) => `${l.from} → ${l.to}`)
        .join(', ')}`,
    );
}
