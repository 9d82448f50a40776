import { BeforeStep, setDefinitionFunctionWrapper, supportCodeLibraryBuilder } from '@cucumber/cucumber';
import type { GherkinDocument } from '@cucumber/messages';
import { NoChaosMeshEquivalent } from '../../chaos-mesh/translate.ts';
import type { PlanNotes } from '../../plan/meaning.ts';
import { patternKey } from '../../plan/steps.ts';
import { VOCABULARY } from '../../plan/vocabulary.ts';
import type { FaultlineWorld } from '../../world.ts';
import type { KubernetesEnvironment } from './backend.ts';
import { visibility, withTrafficProof } from './proof.ts';

// The fault steps on the kubernetes backend, in one place for every family: a step definition the plan's
// vocabulary calls a fault keeps its own code on the other backends; on kubernetes its words — the arguments
// cucumber matched, read by the same meaning the plan uses, checked against the topology — become the
// fault's shape, and the shape its Chaos Mesh objects, injected through the scenario's ledger like any fault
// (undo written first, rollback deletes and waits for recovery). A step that no Chaos Mesh object can do
// fails at its feature file:line before anything is applied. A fault step whose meaning has no shape runs
// its own code (see chaosStep). So new fault steps need nothing here: a plan meaning with a shape is all a
// step needs to run on a cluster.

/** Where each scenario's current step is (file:line) and what it says, for errors at the step. */
const current = new WeakMap<object, { where: string; text: string }>();

function lineOf(document: GherkinDocument | undefined, id: string | undefined): number | undefined {
  const steps = (document?.feature?.children ?? []).flatMap((child) => [
    ...(child.background?.steps ?? []),
    ...(child.scenario?.steps ?? []),
    ...(child.rule?.children ?? []).flatMap((c) => [
      ...(c.background?.steps ?? []),
      ...(c.scenario?.steps ?? []),
    ]),
  ]);
  return steps.find((s) => s.id === id)?.location.line;
}

BeforeStep(function (this: FaultlineWorld, { pickle, pickleStep, gherkinDocument }) {
  const line = lineOf(gherkinDocument, pickleStep.astNodeIds[0]);
  current.set(this, { where: `${pickle.uri}${line ? `:${line}` : ''}`, text: pickleStep.text });
});

const onKubernetes = (world: FaultlineWorld): KubernetesEnvironment | undefined =>
  world.hasEnv && world.env.backend === 'kubernetes' ? (world.env as KubernetesEnvironment) : undefined;

/** The step's fault(s) as Chaos Mesh objects, applied through the ledger; errors name the step's file:line. */
async function chaosStep(
  world: FaultlineWorld,
  env: KubernetesEnvironment,
  pattern: string | RegExp,
  args: unknown[],
  own: () => unknown,
) {
  const step = current.get(world) ?? { where: 'a step', text: patternKey(pattern) };
  try {
    const notes: PlanNotes = {
      scale: {},
      system: [],
      faults: [],
      loads: [],
      aborts: [],
      topology: env.topology,
    };
    VOCABULARY[patternKey(pattern)]?.note?.(args, notes);
    if (notes.faults.length === 0) throw new Error('the step names no fault the plan can describe');
    // A fault the plan gives no shape is faultline's own doing, not a chaos object's: split brain and link
    // failover through the fault proxy, or a fault the harness does itself (requests it sends), which may
    // well work against the services' URLs. Its own code runs; where it needs what a cluster lacks, its
    // error says what, and that no Chaos Mesh object does it either.
    const shapeless = notes.faults.filter((f) => !f.shape);
    if (shapeless.length === notes.faults.length) {
      try {
        return await own();
      } catch (error) {
        if (error instanceof Error)
          error.message = `${shapeless.map((f) => f.fault).join(', ')} has no Chaos Mesh equivalent, and faultline's own way failed here: ${error.message}`;
        throw error;
      }
    }
    // Every fault of the step translated first: one without an equivalent and none is applied.
    const specs = notes.faults.map((fault) => {
      if (!fault.shape)
        throw new NoChaosMeshEquivalent(
          `no Chaos Mesh equivalent for ${fault.fault}: faultline does this through its own fault proxy or harness, and no chaos object does the same`,
        );
      const spec = env.chaos.fault(fault.shape, {
        kind: fault.shape.family,
        description: `${fault.fault} — ${fault.targets}, ${fault.duration} (Chaos Mesh)`,
        targets: [fault.group],
        // For the coverage matrix, as locally: both ends of a struck link count as touched.
        ...(fault.shape.family === 'network'
          ? { touches: fault.shape.links.flatMap((l) => [l.struck.name, l.peer]) }
          : {}),
      });
      return withTrafficProof(
        spec,
        visibility(fault.shape, (service) => {
          const url = env.chaos.config.services[service]?.url;
          return {
            ...(url ? { url, endpoint: env.endpoint(service) } : {}),
            kind: env.topology.probes[service] ?? 'http',
          };
        }),
        env.chaos.config.proof,
      );
    });
    for (const spec of specs) {
      const record = await world.faults.inject(spec);
      world.attach(`${record.description}\n${record.evidence.join('\n')}`, { mediaType: 'text/plain' });
    }
  } catch (error) {
    if (error instanceof Error)
      error.message = `${step.where}: "${step.text}" on the kubernetes backend: ${error.message}`;
    throw error;
  }
}

// Run once per support-code load, over every definition: the wrapper finds the definition's pattern by its
// code (cucumber hands the wrapper the code only) and wraps only fault steps; hooks and other steps pass.
setDefinitionFunctionWrapper((code: (...args: unknown[]) => unknown) => {
  const configs = (
    supportCodeLibraryBuilder as unknown as {
      stepDefinitionConfigs?: { code: unknown; pattern: string | RegExp }[];
    }
  ).stepDefinitionConfigs;
  const pattern = configs?.find((c) => c.code === code)?.pattern;
  if (pattern === undefined || VOCABULARY[patternKey(pattern)]?.kind !== 'fault') return code;
  return function (this: FaultlineWorld, ...args: unknown[]) {
    const env = onKubernetes(this);
    return env ? chaosStep(this, env, pattern, args, () => code.apply(this, args)) : code.apply(this, args);
  };
});
