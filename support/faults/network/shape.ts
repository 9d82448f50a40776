import { groupMembers, groupOf, type LinkSpec, type Topology } from '../../system/topology.ts';
import { type Aim, aimOf, type FaultShape, type StruckLink } from '../shape.ts';
import type { Effect } from './effects.ts';
import type { Stream } from './toxic.ts';
import { struck, type Where } from './where.ts';

// A network fault as data (support/faults/shape.ts): which side is struck, which peer it is cut from and in
// which direction the packets are hit — read from the same link grammar (where.ts) and effect (effects.ts)
// the step uses, so the plan and a Chaos Mesh translation cannot disagree with what the step does locally.

type Direction = StruckLink['direction'];

/** Which way the bytes of one stream of a link flow, seen from the struck side. */
function flow(link: LinkSpec, stream: Stream, struckSide: (name: string) => boolean): 'to' | 'from' {
  const sender = stream === 'upstream' ? link.from : link.to;
  return struckSide(sender) ? 'to' : 'from';
}

const join = (ways: Set<'to' | 'from'>): Direction => (ways.size === 2 ? 'both' : [...ways][0]!);

/** The peer's name: a whole group when every member of it is a peer, else each service by its own name. */
function peersOf(topology: Topology, names: string[]): string[] {
  const out = new Set<string>();
  for (const name of names) {
    const service = topology.services.find((s) => s.name === name);
    const group = service && groupOf(service);
    if (group !== undefined && groupMembers(topology, group).every((m) => names.includes(m))) out.add(group);
    else out.add(name);
  }
  return [...out];
}

export function networkShape(
  topology: Topology,
  where: Where,
  effect: Pick<Effect, 'kind' | 'label' | 'toxic' | 'streams'>,
  durationMs?: number,
): FaultShape {
  const links: StruckLink[] = [];
  const add = (
    aim: Aim,
    struckSide: (name: string) => boolean,
    cuts: { link: LinkSpec; streams: Stream[] }[],
  ) => {
    const byPeer = new Map<string, Set<'to' | 'from'>>();
    for (const cut of cuts) {
      const peer = struckSide(cut.link.from) ? cut.link.to : cut.link.from;
      const ways = byPeer.get(peer) ?? new Set();
      for (const stream of cut.streams) ways.add(flow(cut.link, stream, struckSide));
      byPeer.set(peer, ways);
    }
    // Peers hit the same way are one object aimed at their group when they make a whole group.
    const byWay = new Map<Direction, string[]>();
    for (const [peer, ways] of byPeer) byWay.set(join(ways), [...(byWay.get(join(ways)) ?? []), peer]);
    for (const [direction, peers] of byWay)
      for (const peer of peersOf(topology, peers)) links.push({ struck: aim, peer, direction });
  };
  if (where.kind === 'services') {
    const aim = aimOf(where.targets);
    const members = new Set(where.targets.members);
    const cuts = where.targets.members.flatMap((m) => struck(topology, where, effect.streams, m).cuts);
    add(aim, (name) => members.has(name), cuts);
  } else {
    const hit = struck(topology, where, effect.streams);
    const target = hit.targets[0]!;
    add({ name: target, mode: 'all' }, (name) => name === target, hit.cuts);
  }
  return {
    family: 'network',
    effect: { kind: effect.kind, label: effect.label, toxic: effect.toxic },
    links,
    ...(durationMs === undefined ? {} : { durationMs }),
  };
}

/** "the network between C and N of its G" / "N of C's G respond … slower": the members against C. */
export function coordinatedShape(
  effect: Pick<Effect, 'kind' | 'label' | 'toxic'>,
  aim: Aim,
  coordinator: string,
  direction: Direction,
  durationMs?: number,
): FaultShape {
  return {
    family: 'network',
    effect,
    links: [{ struck: aim, peer: coordinator, direction }],
    ...(durationMs === undefined ? {} : { durationMs }),
  };
}
