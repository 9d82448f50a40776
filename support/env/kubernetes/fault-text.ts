import { NoChaosMeshEquivalent } from '../../chaos-mesh/translate.ts';
import type { FaultSpec } from '../../faults/ledger.ts';
import { faultOfText } from '../../plan/fault-text.ts';
import type { StepDefinitionLike } from '../../plan/steps.ts';
import type { Topology } from '../../system/topology.ts';
import type { KubernetesTarget } from './target.ts';

// "<fault step text>" → the Chaos Mesh fault for a deployment: the text read as the plan reads it (the same
// definitions and meanings, the same word checks against the topology), its shape translated and checked
// as every kubernetes fault is. What a game-day command applying a fault to a cluster calls; text the
// vocabulary does not know, or a fault Chaos Mesh cannot do, fails here, before anything is applied.

export function chaosFaultOfText(
  chaos: KubernetesTarget,
  text: string,
  definitions: readonly StepDefinitionLike[],
  topology?: Topology,
): FaultSpec {
  const fault = faultOfText(text, definitions, topology);
  if (!fault.shape)
    throw new NoChaosMeshEquivalent(
      `no Chaos Mesh equivalent for ${fault.fault}: faultline does this through its own fault proxy or harness, and no chaos object does the same`,
    );
  return chaos.fault(fault.shape, {
    kind: fault.shape.family,
    description: `${fault.fault} — ${fault.targets}, ${fault.duration}`,
    targets: [fault.group],
  });
}
