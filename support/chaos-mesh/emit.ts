import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { stringify } from 'yaml';
import type { KubernetesConfig } from '../env/kubernetes/config.ts';
import type { Plan, ScenarioPlan, StepProblem } from '../plan/plan.ts';
import { type ChaosObject, dnsLabel, LABEL } from './objects.ts';
import { NoChaosMeshEquivalent, translate } from './translate.ts';
import { type WorkflowObject, workflowOf } from './workflow.ts';

// `faultline plan --emit chaos-mesh DIR`: each scenario's faults as Chaos Mesh manifests (one file per
// fault, held until deleted or for the fault's duration) plus a Workflow running them in the scenario's
// order, for review or GitOps. A scenario is written whole or not at all: a fault without a Chaos Mesh
// equivalent is a problem at its step's file:line, and its scenario's files are left out (never a
// workflow missing a fault).

export interface EmittedScenario {
  scenario: ScenarioPlan;
  /** The folder of this scenario under the emit directory. */
  folder: string;
  objects: ChaosObject[];
  workflow: WorkflowObject;
}

export interface Emission {
  scenarios: EmittedScenario[];
  problems: StepProblem[];
}

/** The folder and name stem of a scenario: "partition-12-redis-is-cut-off" (feature, line, name). */
export function scenarioStem(scenario: Pick<ScenarioPlan, 'uri' | 'line' | 'name'>): string {
  const feature = dnsLabel(basename(scenario.uri).replace(/\.feature$/, ''), 20);
  return dnsLabel(`${feature}-${scenario.line}-${scenario.name}`, 52);
}

/** Translates every scenario with faults; problems for each fault that does not translate. */
export function chaosMeshOf(plan: Plan, config: KubernetesConfig, holdMs: number): Emission {
  const scenarios: EmittedScenario[] = [];
  const problems: StepProblem[] = [];
  for (const scenario of plan.scenarios) {
    if (scenario.faults.length === 0) continue;
    const stem = scenarioStem(scenario);
    const labels = { [LABEL.managedBy]: 'faultline', [LABEL.scenario]: stem };
    const objects: ChaosObject[] = [];
    let whole = true;
    scenario.faults.forEach((fault, i) => {
      const at = { uri: scenario.uri, line: fault.line, step: fault.step };
      try {
        if (!fault.shape)
          throw new NoChaosMeshEquivalent(
            `no Chaos Mesh equivalent for ${fault.fault}: faultline does this through its own fault proxy or harness, and no chaos object does the same`,
          );
        objects.push(
          ...translate(fault.shape, config, {
            name: `${stem}-${i + 1}`,
            labels,
            description: `${fault.fault} — ${fault.targets}, ${fault.duration}`,
          }),
        );
      } catch (error) {
        whole = false;
        problems.push({ ...at, problem: 'chaos-mesh', message: (error as Error).message });
      }
    });
    // A step of it the plan could not read (undefined, rejected): the workflow would miss what it does.
    if (whole && scenario.problems === 0)
      scenarios.push({
        scenario,
        folder: stem,
        objects,
        workflow: workflowOf(stem, objects, labels, holdMs),
      });
  }
  return { scenarios, problems };
}

/** Writes each scenario's manifests and workflow under `dir`; returns the files written. */
export async function writeChaosMesh(dir: string, emission: Emission): Promise<string[]> {
  const files: string[] = [];
  for (const { folder, objects, workflow, scenario } of emission.scenarios) {
    const into = join(dir, folder);
    await mkdir(into, { recursive: true });
    const header = `# ${scenario.uri}:${scenario.line}  ${scenario.name}\n# written by faultline plan --emit chaos-mesh\n`;
    for (const [i, object] of objects.entries()) {
      const file = join(into, `${String(i + 1).padStart(2, '0')}-${object.kind.toLowerCase()}.yaml`);
      await writeFile(file, header + stringify(object));
      files.push(file);
    }
    const file = join(into, 'workflow.yaml');
    await writeFile(file, header + stringify(workflow));
    files.push(file);
  }
  return files;
}
