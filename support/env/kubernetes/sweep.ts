import { ANNOTATION, CHAOS_KINDS, LABEL } from '../../chaos-mesh/objects.ts';
import { ownerIsGone, parseOwner, RUN_ID } from '../containers/runtime.ts';
import type { ChaosApi } from './client.ts';
import type { KubernetesConfig } from './config.ts';

// The start-of-run sweep on a cluster: chaos objects a faultline run applied and never removed (it was
// SIGKILLed, its machine rebooted) are deleted before a new run injects anything. Ownership decides, as for
// containers (support/env/containers/sweep.ts): an object carries its run's label and its owner
// (host:pid:start) as an annotation; only objects whose owner is a dead process on this host are removed —
// a colleague's run from another machine, or a live one here, is never touched. Only the allow-listed
// namespaces are searched.

export interface ClusterSweep {
  /** "NetworkChaos shop/fl-…: owner host:4242:… is gone". */
  removed: string[];
  /** Objects of other live runs (or other hosts) left alone. */
  kept: number;
}

export async function sweepDeadRuns(
  api: ChaosApi,
  config: KubernetesConfig,
  gone: (owner: string | undefined) => boolean = (owner) => ownerIsGone(parseOwner(owner)),
): Promise<ClusterSweep> {
  const removed: string[] = [];
  let kept = 0;
  for (const namespace of config.namespaces)
    for (const kind of CHAOS_KINDS)
      for (const object of await api.list(kind, namespace, LABEL.run)) {
        const owner = object.metadata.annotations?.[ANNOTATION.owner];
        if (!gone(owner)) {
          kept++;
          continue;
        }
        await api.remove(kind, namespace, object.metadata.name);
        removed.push(`${kind} ${namespace}/${object.metadata.name}: owner ${owner} is gone`);
      }
  return { removed, kept };
}

/** This run's chaos objects still in the cluster: "NetworkChaos shop/fl-…". */
export async function listRunObjects(
  api: ChaosApi,
  config: KubernetesConfig,
  run = RUN_ID,
): Promise<string[]> {
  const found: string[] = [];
  for (const namespace of config.namespaces)
    for (const kind of CHAOS_KINDS)
      for (const object of await api.list(kind, namespace, `${LABEL.run}=${run}`))
        found.push(`${kind} ${namespace}/${object.metadata.name}`);
  return found;
}

/**
 * This run's own cleanup: every chaos object it applied that is still there (a rollback that failed) is
 * deleted, and waited for until gone — Chaos Mesh removes it only once its targets have recovered.
 */
export async function removeRunObjects(
  api: ChaosApi,
  config: KubernetesConfig,
  run = RUN_ID,
  timeoutMs = 60_000,
): Promise<string[]> {
  const removed: { kind: (typeof CHAOS_KINDS)[number]; namespace: string; name: string }[] = [];
  for (const namespace of config.namespaces)
    for (const kind of CHAOS_KINDS)
      for (const object of await api.list(kind, namespace, `${LABEL.run}=${run}`)) {
        await api.remove(kind, namespace, object.metadata.name);
        removed.push({ kind, namespace, name: object.metadata.name });
      }
  const deadline = Date.now() + timeoutMs;
  for (const { kind, namespace, name } of removed)
    while (await api.get(kind, namespace, name)) {
      if (Date.now() > deadline)
        throw new Error(
          `${kind} ${namespace}/${name} was deleted but is still there after ${timeoutMs} ms: its targets have not recovered`,
        );
      await new Promise((r) => setTimeout(r, 200));
    }
  return removed.map(({ kind, namespace, name }) => `${kind} ${namespace}/${name}`);
}
