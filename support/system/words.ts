import { StepInputError } from '../parse.ts';
import { groupOf, type Topology, tlsPortsOf } from './topology.ts';

// Step words name parts of the system under test: "the controller", "3 of its workers", "the slow worker".
// Each word must exist in the topology and play the role the step gives it, or the step fails naming the
// word and the names that do exist for that role. A run checks the running topology; `faultline plan`
// runs the same functions against the topology the scenario would start, so a typo is caught at
// file:line before anything starts.

/** A step word that names nothing in the system, or names it in a role it cannot play. */
export class WordError extends StepInputError {
  constructor(message: string) {
    super(message);
    // The feature's line is where the mistake is (cucumber prints it): a trace through our code is noise.
    this.stack = message;
  }
}

/**
 * Words that stand for the system as a whole, not one of its services: "the service recovers within 5
 * seconds" judges what clients see, whichever service they reach. A service declared under one of these
 * names is still that service (the judgement is the same).
 */
export const SYSTEM_WORDS: readonly string[] = ['service', 'system'];

/** Who a step talks about: the whole system, one service, or a group of members. */
export type Subject =
  | { kind: 'system' }
  | { kind: 'service'; name: string }
  | { kind: 'group'; group: string; members: string[] };

const list = (names: readonly string[]): string => names.join(', ') || '(none)';

/** A long run of members reads as its ends: "worker-1 … worker-9" (the count is in the step's scale). */
const span = (members: readonly string[]): string[] =>
  members.length > 3 ? [`${members[0]} … ${members[members.length - 1]}`] : [...members];

/** Every service name, a large group's members shortened to their span. */
function serviceNames(topology: Topology): string {
  const groups = groupsOf(topology);
  const named: string[] = [];
  const done = new Set<string>();
  for (const s of topology.services) {
    const group = groupOf(s);
    if (group === undefined) named.push(s.name);
    else if (!done.has(group)) {
      done.add(group);
      named.push(...span(groups.get(group) ?? []));
    }
  }
  return list(named);
}

/** Groups of the topology and their members, in declaration order. */
export function groupsOf(topology: Topology): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const s of topology.services)
    if (s.group) groups.set(s.group, [...(groups.get(s.group) ?? []), s.name]);
  return groups;
}

/**
 * The words that name a group or one of its members: the group itself ("workers"), its singular
 * ("worker"), and the name its replicas were made from ("worker" for worker-1 … worker-N).
 */
export function groupAliases(group: string, members: readonly string[]): string[] {
  const words = [group];
  if (group.endsWith('s') && group.length > 1) words.push(group.slice(0, -1));
  const bases = new Set(members.map((m) => m.match(/^(.+)-\d+$/)?.[1]));
  const [base] = bases;
  if (bases.size === 1 && base !== undefined) words.push(base);
  return [...new Set(words)];
}

function describeGroups(topology: Topology): string {
  if (groupsOf(topology).size === 0) return 'none (a service declared with replicas or a group makes one)';
  const described = [...groupsOf(topology)].map(
    ([group, members]) =>
      `${group} (members ${list(span(members))}; a step says ${groupAliases(group, members)
        .map((w) => `'${w}'`)
        .join(' or ')})`,
  );
  return list(described);
}

const ofSystem = (topology: Topology): string => `the system '${topology.name}'`;

/** A service the step names by its own name ("controller", "worker-2", "postgres"). */
export function serviceWord(topology: Topology, word: string): string {
  if (topology.services.some((s) => s.name === word)) return word;
  throw new WordError(
    `'${word}' is not a service of ${ofSystem(topology)}; its services: ${serviceNames(topology)}`,
  );
}

/** The services of the topology that speak TLS on some port (and so present a server certificate). */
export const tlsServices = (topology: Topology): string[] =>
  topology.services.filter((s) => tlsPortsOf(topology, s.name).length > 0).map((s) => s.name);

/** A service that presents a server certificate: it has a TLS port ("the controller presents …"). */
export function certifiedServiceWord(topology: Topology, word: string): string {
  const name = serviceWord(topology, word);
  if (tlsPortsOf(topology, name).length > 0) return name;
  throw new WordError(
    `'${word}' presents no certificate in ${ofSystem(topology)}: it has no TLS port (a port declared with protocol: 'tls'); the services that present one: ${list(tlsServices(topology))}`,
  );
}

/**
 * "the <clients> refuse the <service>'s certificate": a certified service, and the clients a word names (a
 * group, or one service), each with a link into it — only a client that connects can refuse.
 */
export function certificateClientsWords(
  topology: Topology,
  clientsWord: string,
  serviceText: string,
): { service: string; clients: string[] } {
  const service = certifiedServiceWord(topology, serviceText);
  const subject = subjectWord(topology, clientsWord);
  const clients =
    subject.kind === 'group' ? subject.members : subject.kind === 'service' ? [subject.name] : [];
  const linked = new Set(topology.links.filter((l) => l.to === service).map((l) => l.from));
  const strangers = clients.filter((c) => !linked.has(c));
  if (clients.length === 0 || strangers.length > 0)
    throw new WordError(
      `'${clientsWord}' ${clients.length === 0 ? 'names no service' : `names ${strangers.join(', ')}, with no link`} into ${service} in ${ofSystem(topology)}: only a service that connects to it can refuse its certificate; its clients: ${list(span([...linked]))}`,
    );
  return { service, clients };
}

/** The group a word names, as a group ("workers") or by its members ("worker"). */
export function groupWord(topology: Topology, word: string): string {
  for (const [group, members] of groupsOf(topology))
    if (groupAliases(group, members).includes(word)) return group;
  const single = topology.services.find((s) => s.name === word || `${s.name}s` === word);
  const hint = single
    ? ` ('${single.name}' is a single service: declare it with replicas or a group to start several)`
    : '';
  throw new WordError(
    `'${word}' is not a group of ${ofSystem(topology)}; its groups: ${describeGroups(topology)}${hint}`,
  );
}

/**
 * The group whose member a word names ("the slow worker", "the worker converting it"). The step means the
 * members its fault struck, so one member's own name ("worker-2") is refused rather than taken literally.
 */
export function memberWord(topology: Topology, word: string): string {
  for (const [group, members] of groupsOf(topology)) {
    const aliases = groupAliases(group, members);
    if (aliases.includes(word)) return group;
    if (members.includes(word))
      throw new WordError(
        `'${word}' is one member of the ${group}; this step speaks of the members the fault struck: say ${aliases.map((w) => `'${w}'`).join(' or ')}`,
      );
  }
  throw new WordError(
    `'${word}' names no member of a group of ${ofSystem(topology)}; its groups: ${describeGroups(topology)}`,
  );
}

/** Members of a group (resolved by groupWord or memberWord). */
export function membersOf(topology: Topology, group: string): string[] {
  return groupsOf(topology).get(group) ?? [];
}

/**
 * Services that coordinate a group: outside it, with a link to every member (the coordinator calls them:
 * "3 of the controller's workers" are reached over the controller's links, which the faults cut).
 */
export function coordinatorsOf(topology: Topology, group: string): string[] {
  const members = membersOf(topology, group);
  return topology.services
    .map((s) => s.name)
    .filter((name) => !members.includes(name))
    .filter(
      (name) =>
        members.length > 0 && members.every((m) => topology.links.some((l) => l.from === name && l.to === m)),
    );
}

/** A service that coordinates the group (see coordinatorsOf). */
export function coordinatorWord(topology: Topology, word: string, group: string): string {
  const coordinators = coordinatorsOf(topology, group);
  if (coordinators.includes(word)) return word;
  const known = `coordinators of the ${group} (services with a link to every member): ${list(coordinators)}`;
  if (!topology.services.some((s) => s.name === word))
    throw new WordError(
      `'${word}' is not a service of ${ofSystem(topology)}, so it cannot coordinate the ${group}; ${known}`,
    );
  const members = membersOf(topology, group);
  if (members.includes(word))
    throw new WordError(`'${word}' is one of the ${group} itself, not their coordinator; ${known}`);
  const unlinked = members.filter((m) => !topology.links.some((l) => l.from === word && l.to === m));
  throw new WordError(
    `'${word}' does not coordinate the ${group} of ${ofSystem(topology)}: it has no link to ${list(span(unlinked))}; ${known}`,
  );
}

/** The whole system ("the service", "the system"), a service by name, or a group by its word. */
export function subjectWord(topology: Topology, word: string): Subject {
  if (topology.services.some((s) => s.name === word)) return { kind: 'service', name: word };
  if (SYSTEM_WORDS.includes(word)) return { kind: 'system' };
  for (const [group, members] of groupsOf(topology))
    if (groupAliases(group, members).includes(word)) return { kind: 'group', group, members };
  throw new WordError(
    `'${word}' names nothing in ${ofSystem(topology)}: write ${SYSTEM_WORDS.map((w) => `'${w}'`).join(' or ')} for the whole system, a service (${serviceNames(topology)}), or a group (${describeGroups(topology)})`,
  );
}

/** `count` members of a group, which must have that many at this scenario's scale. */
export function countWord(topology: Topology, group: string, count: number): string[] {
  const members = membersOf(topology, group);
  if (!Number.isInteger(count) || count < 1 || count > members.length)
    throw new WordError(
      `cannot strike ${count} of ${members.length} ${group}: choose between 1 and ${members.length}, or start more in the steady-state step`,
    );
  return members;
}

/** Runs every check, and fails once with all their messages: a step with two bad words names both. */
function all<T>(checks: readonly (() => unknown)[], result: () => T): T {
  const problems: string[] = [];
  for (const check of checks)
    try {
      check();
    } catch (error) {
      if (!(error instanceof WordError)) throw error;
      problems.push(error.message);
    }
  if (problems.length > 0) throw new WordError(problems.join('; and '));
  return result();
}

/** "N of the <coordinator>'s <group>": the group, its coordinator, and a count it can supply. */
export function coordinatedWords(
  topology: Topology,
  coordinator: string,
  count: number,
  groupText: string,
): { coordinator: string; group: string; members: string[] } {
  let group: string | undefined;
  return all(
    [
      () => {
        group = groupWord(topology, groupText);
      },
      () =>
        group === undefined
          ? serviceWord(topology, coordinator)
          : coordinatorWord(topology, coordinator, group),
      () => group !== undefined && countWord(topology, group, count),
    ],
    () => ({ coordinator, group: group!, members: membersOf(topology, group!) }),
  );
}

/** "the <coordinator> … the <member>": a member word and a coordinator of its group. */
export function coordinatorAndMember(
  topology: Topology,
  coordinator: string,
  member: string,
): { coordinator: string; group: string } {
  let group: string | undefined;
  return all(
    [
      () => {
        group = memberWord(topology, member);
      },
      () =>
        group === undefined
          ? serviceWord(topology, coordinator)
          : coordinatorWord(topology, coordinator, group),
    ],
    () => ({ coordinator, group: group! }),
  );
}

/**
 * "a healthy <coordinator> with N registered <group>", read against the system as declared (before it
 * is scaled): the scale to start it at ({ workers: N }). Any N ≥ 1 is possible: the scale is the
 * scenario's to choose.
 */
export function steadyStateWords(
  declared: Topology,
  coordinator: string,
  count: number,
  groupText: string,
): { coordinator: string; group: string; scale: Record<string, number> } {
  let group: string | undefined;
  return all(
    [
      () => {
        group = groupWord(declared, groupText);
      },
      () =>
        group === undefined
          ? serviceWord(declared, coordinator)
          : coordinatorWord(declared, coordinator, group),
      () => {
        if (!Number.isInteger(count) || count < 1)
          throw new WordError(`cannot start ${count} ${groupText}: a group needs at least 1 member`);
      },
    ],
    () => ({ coordinator, group: group!, scale: { [group!]: count } }),
  );
}

/** "the system is running with N <group>", read against the system as declared: the scale to start it at. */
export function scaleWords(declared: Topology, count: number, groupText: string): Record<string, number> {
  let group: string | undefined;
  return all(
    [
      () => {
        group = groupWord(declared, groupText);
      },
      () => {
        if (!Number.isInteger(count) || count < 1)
          throw new WordError(`cannot start ${count} ${groupText}: a group needs at least 1 member`);
      },
    ],
    () => ({ [group!]: count }),
  );
}

const linksOf = (topology: Topology, name: string): string[] =>
  topology.links
    .filter((l) => l.from === name || l.to === name)
    .map((l) => `${l.from} → ${l.to}${l.port ? `:${l.port}` : ''}`);

/** "the network between <a> and <b>": two services with at least one link between them, either way. */
export function linkedWords(topology: Topology, a: string, b: string): { a: string; b: string } {
  return all([() => serviceWord(topology, a), () => serviceWord(topology, b)], () => {
    if (!topology.links.some((l) => (l.from === a && l.to === b) || (l.from === b && l.to === a)))
      throw new WordError(
        `no link runs between ${a} and ${b} in ${ofSystem(topology)}, so there is nothing to partition; links of ${a}: ${list(linksOf(topology, a))}; of ${b}: ${list(linksOf(topology, b))}`,
      );
    return { a, b };
  });
}

/** "the link from <from> to <to>": two services, the first linking to the second. */
export function linkWords(topology: Topology, from: string, to: string): { from: string; to: string } {
  return all([() => serviceWord(topology, from), () => serviceWord(topology, to)], () => {
    if (!topology.links.some((l) => l.from === from && l.to === to))
      throw new WordError(
        `${from} has no link to ${to} in ${ofSystem(topology)}; links of ${from}: ${list(linksOf(topology, from))}`,
      );
    return { from, to };
  });
}

/** What a fault step aims at: one service, every member of a group, or N of a group (drawn by the seed). */
export interface Targets {
  /** The phrase as written, for messages and plans ("2 of the workers"). */
  phrase: string;
  /** The group, when the phrase names one. */
  group?: string;
  /** Every service the phrase may strike. */
  members: string[];
  /** How many of `members` it strikes (all of them unless "N of …" or "N% of …"). */
  count: number;
  /** "N% of the workers": the share asked for (count is that share of the members, rounded down). */
  percent?: number;
}

/**
 * "<service>", "the <group>" or "N of the <group>" (also "N of its <group>"): the one target grammar of every
 * fault step on services. A service's own name wins over a group alias ("worker-2" is that member).
 */
export function targetWords(topology: Topology, phrase: string): Targets {
  const text = phrase.trim();
  const share = /^(\d+(?:\.\d+)?)\s*% of (?:the |its )?(\S+)$/.exec(text);
  if (share) {
    const percent = Number(share[1]);
    const group = groupWord(topology, share[2]!);
    const members = membersOf(topology, group);
    // Rounded down, as Chaos Mesh's fixed-percent mode draws: never more than the share asked for.
    const count = Math.floor((members.length * percent) / 100);
    if (percent <= 0 || percent > 100 || count < 1)
      throw new WordError(
        `'${text}': ${percent}% of ${members.length} ${group} strikes ${count < 1 && percent <= 100 ? 'none' : 'more than all'}; write a share from ${Math.ceil(100 / members.length)}% to 100%, or a count ('2 of the ${group}')`,
      );
    return { phrase: text, group, members, count, percent };
  }
  const some = /^(\d+) of (?:the |its )?(\S+)$/.exec(text);
  if (some) {
    const count = Number(some[1]);
    const group = groupWord(topology, some[2]!);
    return { phrase: text, group, members: countWord(topology, group, count), count };
  }
  const word = text.replace(/^the /, '');
  if (/\s/.test(word))
    throw new WordError(
      `'${text}' is not a target: write a service ('redis'), a group ('the workers') or some of one ('2 of the workers')`,
    );
  if (topology.services.some((s) => s.name === word)) return { phrase: text, members: [word], count: 1 };
  for (const [group, members] of groupsOf(topology))
    if (groupAliases(group, members).includes(word))
      return { phrase: text, group, members, count: members.length };
  throw new WordError(
    `'${word}' is neither a service nor a group of ${ofSystem(topology)}; its services: ${serviceNames(topology)}; its groups: ${describeGroups(topology)}`,
  );
}
