import type { ChaosObject, PodSelector } from '../../chaos-mesh/objects.ts';
import { allowedNamespace, BlastRadiusError } from '../../chaos-mesh/select.ts';
import type { FaultSpec, TrafficProof } from '../../faults/ledger.ts';
import { poll } from '../../poll.ts';
import type { ChaosApi, ChaosState, PodSummary } from './client.ts';
import { selectorText } from './client.ts';
import { type KubernetesConfig, OPT_IN } from './config.ts';
import { injectionOf } from './status.ts';

// One faultline fault as Chaos Mesh objects in a cluster: a FaultSpec for the ledger like any other.
// Before anything is created every object's blast radius is checked against the cluster itself: the
// namespace on the allow-list, each selector matching at least one pod (and enough for "N of"), and every
// pod it matches carrying the opt-in label — one failing check and nothing is applied. The proof of effect is
// Chaos Mesh's own status: every selected target injected (plus the caller's traffic proof, `felt`). Undo
// deletes the objects and waits until each is gone — Chaos Mesh's finalizer removes it only once every
// target has recovered — so a fault whose recovery failed is reported, not forgotten.

export interface ChaosFaultOptions {
  api: ChaosApi;
  config: KubernetesConfig;
  objects: ChaosObject[];
  kind: string;
  description: string;
  targets: string[];
  touches?: string[];
  durationMs?: number;
  /** The system's traffic met the fault (the load's or probe's proof), asked just before undo. */
  felt?: () => Promise<TrafficProof>;
  /** How long to wait for injection and for recovery (default 60 s). */
  timeoutMs?: number;
  pollMs?: number;
}

const label = (o: ChaosObject) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`;

/** The pod selectors of an object: its own, and a NetworkChaos's target. */
function selectorsOf(
  object: ChaosObject,
): { role: string; selector: PodSelector; mode?: string; value?: string }[] {
  const spec = object.spec as {
    selector: PodSelector;
    mode?: string;
    value?: string;
    target?: { selector: PodSelector; mode?: string; value?: string } | string;
  };
  const out: { role: string; selector: PodSelector; mode?: string; value?: string }[] = [
    { role: 'selector', selector: spec.selector, mode: spec.mode, value: spec.value },
  ];
  // A NetworkChaos's peer; HTTPChaos's `target` is a word (Request/Response), not pods.
  if (typeof spec.target === 'object') out.push({ role: 'target', ...spec.target });
  return out;
}

/** Every blast-radius check against the cluster; throws the first problem before anything is created. */
export async function checkBlastRadius(
  api: ChaosApi,
  config: KubernetesConfig,
  objects: ChaosObject[],
): Promise<string[]> {
  const evidence: string[] = [];
  for (const object of objects) {
    allowedNamespace(config, object.metadata.namespace, label(object));
    for (const { role, selector, mode, value } of selectorsOf(object)) {
      // Pods the service's own selector matches, opted in or not: a pod left out only by the opt-in label
      // is a target the user meant, and must be refused loudly rather than silently skipped.
      const { [OPT_IN.key]: _optIn, ...own } = selector.labelSelectors;
      const pods: PodSummary[] = [];
      for (const namespace of selector.namespaces) {
        allowedNamespace(config, namespace, `${label(object)} (${role})`);
        pods.push(...(await api.pods(namespace, own)));
      }
      const where = `${selectorText(own)} in ${selector.namespaces.join(', ')}`;
      if (pods.length === 0)
        throw new BlastRadiusError(
          `${label(object)}: its ${role} ${where} matches no pod; check kubernetes.services (namespace, selector) against the deployment (kubectl get pods -n ${selector.namespaces[0]} -l ${selectorText(own)})`,
        );
      const refused = pods.filter((p) => p.labels[OPT_IN.key] !== OPT_IN.value);
      if (refused.length > 0)
        throw new BlastRadiusError(
          `${label(object)}: ${refused.map((p) => `${p.namespace}/${p.name}`).join(', ')} (matched by ${where}) lack${refused.length === 1 ? 's' : ''} the opt-in label ${OPT_IN.key}: "${OPT_IN.value}"; faultline only touches pods that opted in — label the workload's pod template`,
        );
      if (mode === 'fixed' && Number(value) > pods.length)
        throw new BlastRadiusError(
          `${label(object)}: ${value} of ${where} asked, but it matches ${pods.length} pod(s)`,
        );
      evidence.push(
        `${label(object)} ${role}: ${pods.length} pod(s) opted in (${pods.map((p) => p.name).join(', ')})`,
      );
    }
  }
  return evidence;
}

export function chaosFault(options: ChaosFaultOptions): FaultSpec {
  const { api, config, objects } = options;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const pollMs = options.pollMs ?? 500;
  const created: ChaosObject[] = [];

  async function until<T>(
    object: ChaosObject,
    done: (state: ChaosState | undefined) => T | undefined,
    what: string,
  ): Promise<T> {
    const { value } = await poll(
      async () => {
        const state = await api.get(object.kind, object.metadata.namespace, object.metadata.name);
        return { state, result: done(state) };
      },
      (read) => read.result !== undefined,
      { timeoutMs, everyMs: pollMs },
    );
    if (value.result !== undefined) return value.result;
    const seen = value.state ? injectionOf(value.state) : undefined;
    throw new Error(
      `${label(object)} was not ${what} within ${timeoutMs} ms${seen ? `: ${[...seen.targets, ...seen.failures].join('; ') || 'no target reported yet'}` : ''}`,
    );
  }

  return {
    kind: options.kind,
    description: options.description,
    targets: options.targets,
    ...(options.touches ? { touches: options.touches } : {}),
    ...(options.durationMs === undefined ? {} : { durationMs: options.durationMs }),
    ...(options.felt ? { felt: options.felt } : {}),
    async apply() {
      const evidence = await checkBlastRadius(api, config, objects);
      for (const object of objects) {
        // Recorded before the call: an object the API created although the call then failed is still undone.
        created.push(object);
        await api.create(object);
      }
      for (const object of objects) {
        const targets = await until(
          object,
          (state) => {
            if (!state) throw new Error(`${label(object)} disappeared while being injected`);
            const seen = injectionOf(state);
            if (seen.nothingSelected)
              throw new Error(`the fault had no effect: ${label(object)} selected no target`);
            if (seen.failures.length > 0 && !seen.injected)
              throw new Error(`the fault had no effect: ${label(object)}: ${seen.failures.join('; ')}`);
            return seen.injected ? seen.targets : undefined;
          },
          'injected into every target',
        );
        evidence.push(`${label(object)}: all ${targets.length} target(s) injected (${targets.join(', ')})`);
      }
      return evidence;
    },
    async undo() {
      const problems: string[] = [];
      for (const object of [...created].reverse()) {
        try {
          await api.remove(object.kind, object.metadata.namespace, object.metadata.name);
          // Gone means recovered: Chaos Mesh's finalizer holds the object until every target recovered.
          await until(object, (state) => (state === undefined ? true : undefined), 'recovered and removed');
          created.splice(created.indexOf(object), 1);
        } catch (error) {
          problems.push((error as Error).message);
        }
      }
      if (problems.length > 0) throw new Error(problems.join('; '));
    },
  };
}
