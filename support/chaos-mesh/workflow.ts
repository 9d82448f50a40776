import { API_VERSION, type ChaosKind, type ChaosObject, dnsLabel, goDuration } from './objects.ts';

// A scenario's faults as one Chaos Mesh Workflow: a Serial entry whose children are the faults in the
// scenario's order, each held for its duration (its `deadline`). A fault the scenario holds until rollback
// has no duration of its own; in a workflow it is held for `holdMs` (the `--hold` of plan --emit), said on
// the template. The Workflow CRD is not among the schemas faultline checks against; its embedded chaos
// specs are (each against its own kind's CRD).

export interface WorkflowObject {
  apiVersion: typeof API_VERSION;
  kind: 'Workflow';
  metadata: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: { entry: string; templates: WorkflowTemplate[] };
}

export type WorkflowTemplate =
  | { name: string; templateType: 'Serial'; deadline?: string; children: string[] }
  | ({ name: string; templateType: ChaosKind; deadline: string } & Partial<
      Record<EmbeddedField, Record<string, unknown>>
    >);

/** The field of a workflow template that holds an embedded chaos spec: NetworkChaos → networkChaos. */
export type EmbeddedField =
  | 'networkChaos'
  | 'podChaos'
  | 'stressChaos'
  | 'ioChaos'
  | 'dnsChaos'
  | 'httpChaos'
  | 'timeChaos';

export const EMBEDDED: Record<ChaosKind, EmbeddedField> = {
  NetworkChaos: 'networkChaos',
  PodChaos: 'podChaos',
  StressChaos: 'stressChaos',
  IOChaos: 'ioChaos',
  DNSChaos: 'dnsChaos',
  HTTPChaos: 'httpChaos',
  TimeChaos: 'timeChaos',
};

export function workflowOf(
  name: string,
  objects: readonly ChaosObject[],
  labels: Record<string, string>,
  holdMs: number,
): WorkflowObject {
  if (objects.length === 0) throw new Error(`workflow ${name}: a scenario without faults has no workflow`);
  const templates: WorkflowTemplate[] = objects.map((object, i) => {
    const { duration, ...spec } = object.spec as { duration?: string } & Record<string, unknown>;
    return {
      name: `${dnsLabel(object.kind, 20)}-${i + 1}`,
      templateType: object.kind,
      deadline: duration ?? goDuration(holdMs),
      [EMBEDDED[object.kind]]: spec,
    };
  });
  const held = objects
    .map((o, i) => ((o.spec as { duration?: string }).duration ? undefined : `${i + 1}`))
    .filter(Boolean);
  return {
    apiVersion: API_VERSION,
    kind: 'Workflow',
    metadata: {
      name,
      // Chaos Mesh creates a workflow's chaos in the workflow's namespace; its selectors name the targets'.
      namespace: objects[0]!.metadata.namespace,
      labels,
      ...(held.length > 0
        ? {
            annotations: {
              'faultline.hold': `faults ${held.join(', ')} hold until rollback in their scenario; here ${goDuration(holdMs)} each`,
            },
          }
        : {}),
    },
    spec: {
      entry: 'scenario',
      templates: [
        { name: 'scenario', templateType: 'Serial', children: templates.map((t) => t.name) },
        ...templates,
      ],
    },
  };
}
