import { shuffle } from '../random.ts';
import { groupMembers } from '../system/topology.ts';
import type { Targets } from '../system/words.ts';
import type { FaultlineWorld } from '../world.ts';

/**
 * Which members "N of its workers" means. When the coordinator says where the next requests go, the fault
 * hits those first: a fault on members no traffic reaches would prove nothing. Otherwise a seeded draw.
 */
export async function pickMembers(world: FaultlineWorld, coordinator: string, group: string, count: number) {
  const members = groupMembers(world.env.topology, group);
  if (count < 1 || count > members.length)
    throw new Error(
      `cannot pick ${count} of ${members.length} ${group}: choose between 1 and ${members.length}`,
    );
  const order = (await world.system.routingOrder?.(world.env, coordinator, group))?.filter((m) =>
    members.includes(m),
  );
  const ranked =
    order && order.length === members.length ? order : shuffle(members, world.random(`targets:${group}`));
  return ranked.slice(0, count);
}

/**
 * The services a target phrase strikes ("redis", "the workers", "2 of the workers"): all of them, or a
 * seeded draw of N — the same members on a re-run with the same seed. `purpose` separates the draws of
 * two steps in one scenario. `eligible`: members the fault can act on now (a process another fault holds
 * down cannot be killed again) come first in the draw's order; the others only when too few are eligible,
 * and then the fault itself says why it cannot act.
 */
export function chooseTargets(
  world: FaultlineWorld,
  targets: Targets,
  purpose: string,
  eligible?: (member: string) => boolean,
): string[] {
  if (targets.count >= targets.members.length) return [...targets.members];
  const drawn = shuffle(targets.members, world.random(`targets:${purpose}:${targets.phrase}`));
  const ranked = eligible
    ? [...drawn.filter((m) => eligible(m)), ...drawn.filter((m) => !eligible(m))]
    : drawn;
  return ranked.slice(0, targets.count);
}
