import type { ChaosObject } from '../../chaos-mesh/objects.ts';
import { ANNOTATION, dnsLabel, LABEL } from '../../chaos-mesh/objects.ts';
import { translate } from '../../chaos-mesh/translate.ts';
import type { FaultSpec, TrafficProof } from '../../faults/ledger.ts';
import type { FaultShape } from '../../faults/shape.ts';
import { formatOwner, RUN_ID, self } from '../containers/runtime.ts';
import { type ChaosApi, chaosApi, defaultKubeConfig } from './client.ts';
import { type KubernetesConfig, kubernetesConfig, placementOf } from './config.ts';
import { chaosFault } from './fault.ts';
import { type ClusterSweep, sweepDeadRuns } from './sweep.ts';

// The kubernetes backend's view of a deployment it did not make: where each service's pods are (the
// config), how a fault becomes Chaos Mesh objects owned by this run, where load and probes reach a service
// (the URL the config gives), and the sweep of dead runs' objects. faultline deploys nothing here.

export interface KubernetesTarget {
  readonly config: KubernetesConfig;
  readonly api: ChaosApi;
  /** Deletes the chaos objects of dead faultline runs (run once before anything is injected). */
  sweep(): Promise<ClusterSweep>;
  /** The objects a fault becomes, labelled as this run's. */
  objects(shape: FaultShape, description: string): ChaosObject[];
  /** The fault as a ledger entry: blast-radius checks, create, status proof, delete and wait for recovery. */
  fault(
    shape: FaultShape,
    fault: { kind: string; description: string; targets: string[]; touches?: string[] },
    felt?: () => Promise<TrafficProof>,
  ): FaultSpec;
  /** Where the harness reaches a service: kubernetes.services.<name>.url. */
  url(service: string): string;
}

/** Labels and annotations on every object this process applies. */
export function runMarks(): { labels: Record<string, string>; annotations: Record<string, string> } {
  return {
    labels: { [LABEL.managedBy]: 'faultline', [LABEL.run]: RUN_ID },
    annotations: { [ANNOTATION.owner]: formatOwner(self) },
  };
}

export function kubernetesTarget(
  configValue: unknown,
  options: { api?: ChaosApi; where?: string; timeoutMs?: number; pollMs?: number } = {},
): KubernetesTarget {
  const config = kubernetesConfig(configValue, options.where);
  const api = options.api ?? chaosApi(defaultKubeConfig(config.context));
  let count = 0;
  const objects = (shape: FaultShape, description: string) => {
    count++;
    return translate(shape, config, {
      name: dnsLabel(`fl-${RUN_ID}-${count}`, 40),
      ...runMarks(),
      description,
    });
  };
  return {
    config,
    api,
    sweep: () => sweepDeadRuns(api, config),
    objects,
    fault(shape, fault, felt) {
      // Translated now, in the step: a fault with no Chaos Mesh equivalent fails before the ledger has it.
      const made = objects(shape, fault.description);
      return chaosFault({
        api,
        config,
        objects: made,
        ...fault,
        ...(shape.durationMs === undefined ? {} : { durationMs: shape.durationMs }),
        ...(felt ? { felt } : {}),
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
      });
    },
    url(service) {
      const placement = placementOf(config, service);
      if (!placement.url)
        throw new Error(
          `kubernetes.services.${service}.url: the harness reaches ${service} through a URL the config gives (an ingress, a LoadBalancer, a port-forward you keep open); give it, e.g. url: "http://${service}.staging.example:8080"`,
        );
      return placement.url;
    },
  };
}
