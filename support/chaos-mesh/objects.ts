// The Chaos Mesh objects faultline writes: their kinds, where the API serves them, and how faultline marks
// the ones it owns. One chaos object is one Kubernetes custom resource of the group chaos-mesh.org/v1alpha1.

export const GROUP = 'chaos-mesh.org';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

/** Each kind faultline emits, with the plural its API path uses (`/apis/chaos-mesh.org/v1alpha1/…/networkchaos`). */
export const PLURALS = {
  NetworkChaos: 'networkchaos',
  PodChaos: 'podchaos',
  StressChaos: 'stresschaos',
  IOChaos: 'iochaos',
  DNSChaos: 'dnschaos',
  HTTPChaos: 'httpchaos',
  TimeChaos: 'timechaos',
} as const;

export type ChaosKind = keyof typeof PLURALS;
export const CHAOS_KINDS = Object.keys(PLURALS) as ChaosKind[];

/** Chaos Mesh's pod selector (the fields faultline sets). */
export interface PodSelector {
  namespaces: string[];
  labelSelectors: Record<string, string>;
}

export interface ChaosObject {
  apiVersion: typeof API_VERSION;
  kind: ChaosKind;
  metadata: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    annotations?: Record<string, string>;
  };
  /** The kind's spec as its CRD defines it (validated against the CRD schema in the tests). */
  spec: Record<string, unknown>;
}

/** Labels on everything faultline creates in a cluster (the same keys as on its containers). */
export const LABEL = {
  managedBy: 'app.kubernetes.io/managed-by',
  /** One faultline process: what a run's own cleanup selects. */
  run: 'faultline.run',
  /** Set on every object of a live run; the owner (host:pid:start, not a valid label value) is an annotation. */
  owned: 'faultline.owned',
  scenario: 'faultline.scenario',
} as const;

export const ANNOTATION = {
  /** host:pid:start of the process that applied it; a dead owner on this host makes it a leftover. */
  owner: 'faultline.owner',
  /** The fault as faultline describes it, for whoever reads the object in the cluster. */
  fault: 'faultline.fault',
  /** Where the object does not do exactly what faultline's fault does. */
  translation: 'faultline.translation',
} as const;

/** A Go duration as Chaos Mesh parses it: 4000 → "4s", 1500 → "1500ms". */
export function goDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) throw new Error(`a duration must be positive, got ${ms} ms`);
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${Math.round(ms)}ms`;
}

/** A DNS-1123 name part: lower case, digits and -, at most `max` characters. */
export function dnsLabel(text: string, max = 40): string {
  const cleaned = text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  return cleaned.slice(0, max).replace(/-$/, '') || 'x';
}
