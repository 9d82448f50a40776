import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import type { ChaosKind } from '../../support/chaos-mesh/objects.ts';

// The Chaos Mesh CRDs (their openAPIV3Schema, what an API server validates a chaos object against) as JSON
// Schema validators. The CRD files are reference data outside the repository (../shared/specs/chaos-mesh:
// "read from ../shared, never copied into the project"): looked for in FAULTLINE_SHARED, beside the
// checkout, then at /work/shared (where CI, which clones into /tmp, finds them). None found fails the test
// naming every place it looked — a validation that silently did not run would prove nothing.

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const CRD_PLACES = [
  ...(process.env.FAULTLINE_SHARED ? [join(process.env.FAULTLINE_SHARED, 'specs/chaos-mesh')] : []),
  resolve(repo, '../shared/specs/chaos-mesh'),
  '/work/shared/specs/chaos-mesh',
];

export function crdDirectory(): string {
  const found = CRD_PLACES.find((dir) => existsSync(join(dir, 'chaos-mesh.org_networkchaos.yaml')));
  if (!found)
    throw new Error(
      `the Chaos Mesh CRD schemas were not found: looked in ${CRD_PLACES.join(', ')} (set FAULTLINE_SHARED to the folder holding specs/chaos-mesh)`,
    );
  return found;
}

const FILES: Record<ChaosKind, string> = {
  NetworkChaos: 'networkchaos',
  PodChaos: 'podchaos',
  StressChaos: 'stresschaos',
  IOChaos: 'iochaos',
  DNSChaos: 'dnschaos',
  HTTPChaos: 'httpchaos',
  TimeChaos: 'timechaos',
};

interface Crd {
  spec: {
    names: { kind: string };
    versions: { name: string; schema: { openAPIV3Schema: Record<string, unknown> } }[];
  };
}

export interface CrdValidators {
  dir: string;
  /** The whole object against its kind's openAPIV3Schema. */
  object: Record<ChaosKind, ValidateFunction>;
  /** Only the spec (what a Workflow template embeds) against the schema's `spec`. */
  spec: Record<ChaosKind, ValidateFunction>;
}

let cached: CrdValidators | undefined;

export function crdValidators(): CrdValidators {
  if (cached) return cached;
  const dir = crdDirectory();
  // OpenAPI v3 flavoured JSON Schema: x-kubernetes-* are annotations, `nullable` an OpenAPI keyword, the
  // formats are the Kubernetes ones — each told to the validator so it checks instead of erroring.
  const ajv = new Ajv({ allErrors: true, strict: false });
  for (const k of [
    'x-kubernetes-preserve-unknown-fields',
    'x-kubernetes-int-or-string',
    'x-kubernetes-list-type',
    'x-kubernetes-list-map-keys',
    'x-kubernetes-map-type',
    'x-kubernetes-validations',
  ])
    ajv.addKeyword(k);
  ajv.addFormat('int32', {
    type: 'number',
    validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31,
  });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)));
  ajv.addFormat('byte', (s: string) => /^[A-Za-z0-9+/]*={0,2}$/.test(s));
  const object = {} as Record<ChaosKind, ValidateFunction>;
  const spec = {} as Record<ChaosKind, ValidateFunction>;
  for (const [kind, file] of Object.entries(FILES) as [ChaosKind, string][]) {
    const crd = parse(readFileSync(join(dir, `chaos-mesh.org_${file}.yaml`), 'utf8')) as Crd;
    if (crd.spec.names.kind !== kind)
      throw new Error(`${file}: expected the CRD of ${kind}, found ${crd.spec.names.kind}`);
    const schema = crd.spec.versions.find((v) => v.name === 'v1alpha1')?.schema.openAPIV3Schema;
    if (!schema) throw new Error(`${file}: no v1alpha1 openAPIV3Schema`);
    object[kind] = ajv.compile(schema);
    spec[kind] = ajv.compile((schema.properties as Record<string, object>).spec!);
  }
  cached = { dir, object, spec };
  return cached;
}

/** Every schema error of a value, one line each (empty when valid). */
export function schemaErrors(validate: ValidateFunction, value: unknown): string[] {
  if (validate(value)) return [];
  return (validate.errors ?? []).map(
    (e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`,
  );
}
