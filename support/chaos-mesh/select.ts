import {
  type KubernetesConfig,
  KubernetesConfigError,
  type KubernetesService,
  OPT_IN,
  placementOf,
  SYSTEM_NAMESPACES,
} from '../env/kubernetes/config.ts';
import type { Aim } from '../faults/shape.ts';
import type { PodSelector } from './objects.ts';

// The blast-radius controls of seed 002, applied to every object before it exists: the namespace must be
// on the allow-list and never a system one, the selector demands the opt-in label (so even a hand-edited
// selector cannot reach a pod that did not opt in), and "N of" / "N % of" a group become Chaos Mesh's
// `fixed` / `fixed-percent` modes (Chaos Mesh draws the pods among those the selector matches).

export class BlastRadiusError extends Error {
  override name = 'BlastRadiusError';
}

/** The namespace a fault may touch, or why not (allow-list, system namespace). */
export function allowedNamespace(config: KubernetesConfig, namespace: string, service: string): string {
  if ((SYSTEM_NAMESPACES as readonly string[]).includes(namespace))
    throw new BlastRadiusError(
      `refusing a fault on ${service}: its namespace ${namespace} is a system namespace (never touched: ${SYSTEM_NAMESPACES.join(', ')})`,
    );
  if (!config.namespaces.includes(namespace))
    throw new BlastRadiusError(
      `refusing a fault on ${service}: its namespace ${namespace} is not in the allow-list kubernetes.namespaces (${config.namespaces.join(', ')})`,
    );
  return namespace;
}

/** The selector of a service's or group's pods, the opt-in label included, checked against the allow-list. */
export function podSelector(
  config: KubernetesConfig,
  name: string,
): { selector: PodSelector; placement: KubernetesService } {
  const placement = placementOf(config, name);
  allowedNamespace(config, placement.namespace, name);
  const clash = placement.selector[OPT_IN.key];
  if (clash !== undefined && clash !== OPT_IN.value)
    throw new KubernetesConfigError(
      `kubernetes.services.${name}.selector: ${OPT_IN.key}=${clash} selects pods that did not opt in; faultline only touches pods labelled ${OPT_IN.key}: "${OPT_IN.value}"`,
    );
  return {
    placement,
    selector: {
      namespaces: [placement.namespace],
      labelSelectors: { ...placement.selector, [OPT_IN.key]: OPT_IN.value },
    },
  };
}

/** Chaos Mesh's `mode` (and `value`) for an aim. */
export function modeOf(aim: Aim): { mode: Aim['mode']; value?: string } {
  switch (aim.mode) {
    case 'all':
    case 'one':
      return { mode: aim.mode };
    case 'fixed':
      if (!Number.isInteger(aim.count) || aim.count < 1)
        throw new BlastRadiusError(`${aim.count} of ${aim.name}: choose a whole number of at least 1`);
      return { mode: 'fixed', value: String(aim.count) };
    case 'fixed-percent':
      if (!Number.isInteger(aim.percent) || aim.percent < 1 || aim.percent > 100)
        throw new BlastRadiusError(
          `${aim.percent}% of ${aim.name}: Chaos Mesh takes a whole percentage from 1 to 100`,
        );
      return { mode: 'fixed-percent', value: String(aim.percent) };
  }
}

/** The selector and mode fields of a chaos spec for an aim. */
export function aimed(config: KubernetesConfig, aim: Aim) {
  const { selector, placement } = podSelector(config, aim.name);
  return { spec: { selector, ...modeOf(aim) }, placement };
}
