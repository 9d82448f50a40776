import { z } from 'zod';

// Where the system under test runs on Kubernetes: faultline does not deploy it, it is told where each
// service's pods are. `defineConfig({ systems, kubernetes: { … } })` in faultline.config.ts; checked here
// with every mistake named by its key (`kubernetes.services.redis.selector: …`), before anything is sent to
// a cluster or written by `faultline plan --emit chaos-mesh`.

/** The label every pod a fault may touch must carry (seed 002's opt-in). */
export const OPT_IN = { key: 'chaos-ready', value: 'true' } as const;

/**
 * Namespaces faultline refuses whatever the allow-list says: the cluster's own, and Chaos Mesh's (a fault
 * there would take the fault engine down with it).
 */
export const SYSTEM_NAMESPACES = [
  'kube-system',
  'kube-public',
  'kube-node-lease',
  'chaos-mesh',
  'chaos-testing',
] as const;

export interface KubernetesService {
  namespace: string;
  /** Label selector of the service's pods (a group's: every member's pods). */
  selector: Record<string, string>;
  /** The container a process fault kills (container-kill) and a DNS/time fault acts in. */
  container?: string;
  /** The port it serves on inside the pod (HTTP faults act on it). */
  port?: number;
  /** Where the harness's load and probes reach it from outside (an ingress, a port-forward you keep). */
  url?: string;
  /** The volume a disk fault acts on (IOChaos volumePath), a mount path in `container`. */
  volumePath?: string;
}

export interface KubernetesConfig {
  /** The namespaces faults may be injected into: every service's namespace must be one of them. */
  namespaces: string[];
  /** Each service (and group) of the system by its name in the topology. */
  services: Record<string, KubernetesService>;
  /** The kubeconfig context to use (default: the current one). */
  context?: string;
  /**
   * What proves a fault the harness cannot see from outside (between two services, inside a pod): `traffic`
   * (the default) accepts nothing less than the local standard — such a fault ends the scenario as an invalid
   * experiment; `status` accepts Chaos Mesh's status (every target injected), and the evidence says so.
   */
  proof?: 'traffic' | 'status';
}

// DNS-1123 label: what Kubernetes accepts as a namespace name.
const namespaceName = z
  .string()
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    'a namespace name: lower-case letters, digits and -, e.g. "shop-staging"',
  )
  .max(63);
// Label values: empty, or up to 63 of [A-Za-z0-9-_.] starting and ending alphanumeric.
const labelValue = z
  .string()
  .regex(/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/, 'a label value: letters, digits, -, _ and .')
  .max(63);
const labelKey = z
  .string()
  .regex(
    /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/,
    'a label key such as app or app.kubernetes.io/name',
  );

const serviceSchema = z.strictObject({
  namespace: namespaceName,
  selector: z
    .record(labelKey, labelValue, {
      error: 'give the labels of its pods, e.g. selector: { app: "redis" }',
    })
    .refine((s) => Object.keys(s).length > 0, {
      message: 'an empty selector would match every pod of the namespace: give at least one label',
    }),
  container: z.string().min(1).optional(),
  port: z.number().int().min(1).max(65535).optional(),
  url: z.url({ error: 'a URL such as http://shop.staging.example:8080' }).optional(),
  volumePath: z.string().startsWith('/', 'an absolute mount path, e.g. /var/lib/redis').optional(),
});

const configSchema = z
  .strictObject({
    namespaces: z
      .array(namespaceName, { error: 'list the namespaces faults may touch, e.g. namespaces: ["staging"]' })
      .min(1, 'list at least one namespace faults may touch'),
    services: z.record(z.string().min(1), serviceSchema, {
      error: 'map each service to its pods, e.g. services: { redis: { namespace, selector } }',
    }),
    context: z.string().min(1).optional(),
    proof: z
      .enum(['traffic', 'status'], {
        error:
          "'traffic' (a fault must be seen in the system's traffic) or 'status' (Chaos Mesh's status is enough)",
      })
      .optional(),
  })
  .superRefine((config, ctx) => {
    for (const ns of config.namespaces)
      if ((SYSTEM_NAMESPACES as readonly string[]).includes(ns))
        ctx.addIssue({
          code: 'custom',
          path: ['namespaces'],
          message: `${ns} is a system namespace: faultline never injects faults there (refused: ${SYSTEM_NAMESPACES.join(', ')})`,
        });
    for (const [name, service] of Object.entries(config.services))
      if (!config.namespaces.includes(service.namespace))
        ctx.addIssue({
          code: 'custom',
          path: ['services', name, 'namespace'],
          message: `${service.namespace} is not in the allow-list kubernetes.namespaces (${config.namespaces.join(', ')}): add it there to let faults touch it`,
        });
  });

export class KubernetesConfigError extends Error {
  override name = 'KubernetesConfigError';
}

/** Checks the config's `kubernetes` section; throws naming every bad key (`where`: the file, for messages). */
export function kubernetesConfig(value: unknown, where = 'faultline.config.ts'): KubernetesConfig {
  if (value === undefined)
    throw new KubernetesConfigError(
      `${where} has no kubernetes section: the kubernetes backend and plan --emit chaos-mesh need each service's pods — defineConfig({ systems, kubernetes: { namespaces: ['staging'], services: { redis: { namespace: 'staging', selector: { app: 'redis' } } } } })`,
    );
  const parsed = configSchema.safeParse(value);
  if (parsed.success) return parsed.data as KubernetesConfig;
  const problems = parsed.error.issues.map(
    (issue) =>
      `kubernetes${issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}: ${issue.message}`,
  );
  throw new KubernetesConfigError(`${where}: ${problems.join('; ')}`);
}

/** The pods of a service or group by its topology name, or an error naming the key and what exists. */
export function placementOf(config: KubernetesConfig, name: string): KubernetesService {
  const found = config.services[name];
  if (found) return found;
  throw new KubernetesConfigError(
    `kubernetes.services has no entry for '${name}': map it to its pods (namespace, selector); mapped: ${Object.keys(config.services).join(', ') || 'none'}. A group's members are its pods: name the group ('2 of the workers') or map a member to a selector of its own`,
  );
}
