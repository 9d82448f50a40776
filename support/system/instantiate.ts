import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { dnsName } from '../dns/names.ts';
import type { Operation } from '../load/history.ts';
import { parseSize } from '../parse.ts';
import type {
  EnvOf,
  RestartDeclaration,
  ServiceDeclaration,
  ServiceWiring,
  StoreDeclaration,
  SystemDeclaration,
  SystemDefinition,
} from './declare.ts';
import { httpOperation, httpRequests } from './http-operation.ts';
import { wait } from './readiness.ts';
import type { OperationContext, StoreCredentials, System } from './system.ts';
import {
  type Endpoint,
  type LinkSpec,
  type ProbeKind,
  type RestartPolicy,
  replicaGroup,
  type ServiceSpec,
  type Topology,
  TopologyError,
  validateTopology,
  type Wiring,
} from './topology.ts';

// A declaration becomes a runtime System: replicas expanded to named members, the links each service's env
// uses found by running it once against a recording wiring, dependencies completed, every field checked
// with its place in the config named — before anything starts.

export class ConfigError extends Error {}

const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', {
  error: 'expected a function',
});
const protocol = z.enum(['http', 'tls', 'redis', 'postgres'], {
  error: "expected one of 'http', 'tls', 'redis', 'postgres'",
});
const readiness = z
  .object({ kind: z.enum(['port', 'http', 'log', 'command']), timeoutMs: z.number().positive() })
  .loose();
const common = {
  name: z
    .string({ error: 'every service needs a name (a string)' })
    .regex(/^[a-z][a-z0-9-]*$/i, 'a name is letters, digits and dashes, starting with a letter'),
  dependsOn: z.array(z.string()).optional(),
  group: z.string().optional(),
  replicas: z.number().int().min(1).optional(),
  env: z.union([z.record(z.string(), z.string()), fn]).optional(),
  readiness: readiness.optional(),
  protocol: protocol.optional(),
  restart: z
    .strictObject({
      policy: z.enum(['always', 'on-failure', 'never'], {
        error: "expected restart.policy: 'always', 'on-failure' or 'never'",
      }),
      backoff: z
        .strictObject({
          initialMs: z.number().int().min(0).optional(),
          maxMs: z.number().int().min(0).optional(),
          resetMs: z.number().int().min(0).optional(),
        })
        .refine((b) => (b.initialMs ?? 1_000) <= (b.maxMs ?? 30_000), {
          error: 'backoff.initialMs must not exceed backoff.maxMs (the cap)',
        })
        .optional(),
    })
    .optional(),
  metrics: z
    .strictObject({
      path: z
        .string()
        .regex(/^\//, "metrics.path: expected a path starting with '/', e.g. '/metrics'")
        .optional(),
      port: z.string().optional(),
    })
    .optional(),
};
/** A data disk's size: '16 MB' or a number of bytes, at least 1 MB (what a tmpfs of it holds with room to fill). */
const DISK_ACCEPTED = "a size like '16 MB' (B, KB, MB or GB) of at least 1 MB";
const diskSize = z
  .union([z.string(), z.number()], { error: `disk: expected ${DISK_ACCEPTED}` })
  .transform((v, ctx) => {
    let bytes = Number.NaN;
    try {
      bytes = typeof v === 'number' ? v : parseSize(v);
    } catch {}
    if (!Number.isInteger(bytes) || bytes < 1_000_000 || bytes > 64 * 1024 ** 3) {
      ctx.addIssue({
        code: 'custom',
        message: `${JSON.stringify(v)} is not ${DISK_ACCEPTED} (and at most 64 GB)`,
      });
      return z.NEVER;
    }
    return bytes;
  });

const serviceSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('redis'), name: common.name, disk: diskSize.optional() }),
    z.strictObject({
      kind: z.literal('postgres'),
      name: common.name,
      replicas: z
        .number({ error: 'replicas: a whole number of streaming replicas, e.g. replicas: 2' })
        .int('replicas: a whole number of streaming replicas, e.g. replicas: 2')
        .min(0, 'replicas: 0 or more streaming replicas')
        .optional(),
    }),
    z.strictObject({
      kind: z.literal('process'),
      ...common,
      command: z
        .array(z.string(), {
          error: "give the program and its arguments, e.g. command: ['python3', 'app.py']",
        })
        .min(1, "give the program and its arguments, e.g. command: ['python3', 'app.py']"),
      cwd: z.string().optional(),
      port: z.union([z.number().int().min(1).max(65535), z.strictObject({ env: z.string() })]).optional(),
      ports: z
        .record(z.string(), z.strictObject({ env: z.string(), protocol: protocol.optional() }))
        .optional(),
      disk: z
        .strictObject(
          {
            env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'env: an environment variable name'),
            size: diskSize,
          },
          {
            error:
              "expected disk: { env: 'DATA_DIR', size: '64 MB' } (the variable that receives its path, its size)",
          },
        )
        .optional(),
    }),
    z.strictObject({
      kind: z.literal('container'),
      ...common,
      image: z.string({ error: 'give the image to run, e.g. image: "nginx:1.27"' }),
      command: z.array(z.string()).optional(),
      port: z.number({ error: 'give the port the container listens on, e.g. port: 8080' }).int(),
    }),
  ],
  {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? "unknown service kind: use redis('name'), postgres('name'), service('name', { command }) or container('name', { image, port })"
        : undefined,
  },
);
const secretFile = z
  .string({
    error: 'expected secretFile: the absolute path of the file the system reads its secret from',
  })
  .refine(isAbsolute, 'secretFile must be an absolute path (e.g. join(workdir, "secrets", "postgres"))');
const secretEnv = z.strictObject(
  {
    variable: z
      .string({
        error: "expected variable: the name of the env var that holds the secret, e.g. 'PGPASSWORD'",
      })
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a variable is letters, digits and underscores, e.g. PGPASSWORD'),
    services: z
      .array(z.string(), {
        error: "expected services: ['api'] (the services that read the variable at start)",
      })
      .min(1, "list at least one service that reads the variable at start, e.g. services: ['api']"),
  },
  { error: "expected secretEnv: { variable: 'PGPASSWORD', services: ['api'] }" },
);
const HOW =
  "secretFile: '/abs/path' (a file the system re-reads) or secretEnv: { variable, services } (an env var its services read at start)";
/**
 * One store's credentials (see StoreCredentials): a user and exactly one way the secret reaches the system.
 * Checked again when a fault reads them after prepare().
 */
export const storeCredentialsSchema = z
  .strictObject(
    {
      user: z
        .string({ error: "expected user: 'the role or ACL user the system connects as'" })
        .regex(
          /^[a-z_][a-z0-9_]*$/,
          'a user is lower-case letters, digits and underscores, e.g. user: "app"',
        ),
      secretFile: secretFile.optional(),
      secretEnv: secretEnv.optional(),
    },
    { error: "expected { user: 'app', secretFile: '/abs/path' } or { user: 'app', secretEnv: { … } }" },
  )
  .superRefine((c, ctx) => {
    if (c.secretFile !== undefined && c.secretEnv !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['secretEnv'],
        message: `give one of secretFile or secretEnv, not both: ${HOW}`,
      });
    else if (c.secretFile === undefined && c.secretEnv === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['secretFile'],
        message: `expected how the system is handed the secret: ${HOW}`,
      });
  })
  .transform((c) => c as StoreCredentials);
const credentialsSchema = z.record(z.string(), storeCredentialsSchema, {
  error: "expected credentials: { postgres: { user: 'app', secretFile: '…' } } (a store's name → its user)",
});

const systemSchema = z
  .object({
    services: z.array(serviceSchema, { error: 'expected services: [ … ] (an array)' }).min(1),
    links: z
      .array(z.strictObject({ from: z.string(), to: z.string(), port: z.string().optional() }))
      .optional(),
    operations: z.record(z.string(), z.union([fn, z.object({ kind: z.literal('http') }).loose()])).optional(),
    events: z
      .record(z.string(), z.array(z.string()).min(1, 'list at least one event name'), {
        error:
          "expected events: { partition: ['…'], breaker: ['…'] } (a meaning → the audit events that show it)",
      })
      .optional(),
    certificateRejections: z
      .object(
        {
          reasons: z
            .array(z.string(), { error: "expected reasons: ['expired', …] (the reasons the system gives)" })
            .min(1, 'list at least one reason'),
          read: fn,
        },
        { error: 'expected certificateRejections: { reasons: [ … ], read(env, since) { … } }' },
      )
      .optional(),
    requests: z
      .record(z.string(), fn, {
        error: 'expected requests: { <operation>: ({ id }) => ({ service, path, json }) }',
      })
      .optional(),
    renewalLog: z
      .union([z.instanceof(RegExp), z.string().min(1)], {
        error: 'expected renewalLog: /pattern/ or the text the line contains',
      })
      .optional(),
    serverCertificateRefusedLog: z
      .union([z.instanceof(RegExp), z.string().min(1)], {
        error: 'expected serverCertificateRefusedLog: /pattern/ or the text the line contains',
      })
      .optional(),
    credentials: credentialsSchema.optional(),
    records: z
      .record(
        z.string(),
        z.strictObject(
          {
            effects: fn,
            remembered: fn.optional(),
            failed: z
              .enum(['at-most-once', 'never'], { error: "expected failed: 'at-most-once' or 'never'" })
              .optional(),
          },
          {
            error:
              "expected { effects(env, since, ids) { … }, remembered?(env, ids) { … }, failed?: 'at-most-once' | 'never' }",
          },
        ),
        {
          error:
            "expected records: { '<operation>': { effects(env, since, ids) { … } } } (an operation's name → how to read back what it did)",
        },
      )
      .optional(),
    audited: z
      .record(
        z.string().regex(/^[a-z][a-z -]*[a-z]$/, {
          error:
            "an audited event's words are lower-case words in the singular, e.g. 'rejected registration'",
        }),
        z.strictObject(
          {
            request: fn,
            events: z
              .array(z.string().min(1), { error: "expected events: ['request_rejected']" })
              .min(1, 'list at least one audit event name that records it'),
          },
          {
            error:
              "expected { request: ({ id }) => ({ service, path, json }), events: ['<audit event name>'] }",
          },
        ),
        {
          error:
            "expected audited: { 'rejected registration': { request: ({ id }) => ({ … }), events: ['…'] } }",
        },
      )
      .optional(),
  })
  .loose();

/** Each key of `credentials` must name a store of the topology. */
export function storesNamed(credentials: Record<string, unknown>, topology: Topology, origin: string): void {
  const stores = topology.services.filter((s) => s.kind === 'redis' || s.kind === 'postgres');
  for (const name of Object.keys(credentials))
    if (!stores.some((s) => s.name === name))
      throw new ConfigError(
        `${where(origin, ['credentials', name])}: '${name}' is not a Redis or Postgres store of the system; its stores: ${stores.map((s) => s.name).join(', ') || '(none)'}`,
      );
}

/**
 * Each service a `secretEnv` names must be one of the system's own (a store's env is faultline's): `names`
 * gives what a declared name stands for (a replicated service: its replicas), undefined for anything else.
 */
export function secretEnvServicesNamed(
  credentials: Record<string, StoreCredentials>,
  names: (name: string) => readonly string[] | undefined,
  own: readonly string[],
  origin: string,
): void {
  for (const [store, c] of Object.entries(credentials))
    (c.secretEnv?.services ?? []).forEach((name, i) => {
      if (names(name) !== undefined) return;
      throw new ConfigError(
        `${where(origin, ['credentials', store, 'secretEnv', 'services', i])}: there is no service '${name}' of the system's own that could read ${c.secretEnv?.variable} (a store's env is faultline's); its services: ${own.join(', ') || '(none)'}`,
      );
    });
}

/** The credentials with each `secretEnv` service standing for its members (a replicated service: its replicas). */
function withMembers(
  credentials: Record<string, StoreCredentials>,
  names: (name: string) => readonly string[] | undefined,
): Record<string, StoreCredentials> {
  return Object.fromEntries(
    Object.entries(credentials).map(([store, c]) => [
      store,
      c.secretEnv
        ? {
            ...c,
            secretEnv: {
              ...c.secretEnv,
              services: [...new Set(c.secretEnv.services.flatMap((n) => names(n) ?? [n]))],
            },
          }
        : c,
    ]),
  );
}

const where = (origin: string, path: PropertyKey[]): string =>
  `${origin}${path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}`;

/** Every field a declaration may have: a misspelt adapter would otherwise be ignored until a verdict needs it. */
const FIELDS = [
  'services',
  'links',
  'operations',
  'prepare',
  'healthyMembers',
  'routingOrder',
  'holder',
  'audit',
  'events',
  'records',
  'certificates',
  'certificateRejections',
  'renewalLog',
  'serverCertificateRefusedLog',
  'requests',
  'credentials',
  'audited',
] satisfies (keyof SystemDeclaration)[];
const RENAMED: Record<string, string> = {
  faultEvents: 'events',
  // What billing read is now read per operation: records: { '<operation>': { effects, remembered } }.
  billing: 'records',
};

function check(declaration: unknown, origin: string): SystemDeclaration {
  const parsed = systemSchema.safeParse(declaration);
  if (!parsed.success)
    throw new ConfigError(
      parsed.error.issues.map((i) => `${where(origin, i.path)}: ${i.message}`).join('\n'),
    );
  const unknown = Object.keys(declaration as object).filter((k) => !(FIELDS as string[]).includes(k));
  if (unknown.length > 0)
    throw new ConfigError(
      unknown
        .map(
          (k) =>
            `${where(origin, [k])}: not a field of a system${RENAMED[k] ? ` (it is now called \`${RENAMED[k]}\`)` : ''}; fields: ${FIELDS.join(', ')}`,
        )
        .join('\n'),
    );
  return declaration as SystemDeclaration;
}

/** Records are read back per operation: a name no operation has would never be read. */
function recordsNamed(named: readonly string[], operations: readonly string[], origin: string): void {
  const strangers = named.filter((n) => !operations.includes(n));
  if (strangers.length > 0)
    throw new ConfigError(
      strangers
        .map(
          (n) =>
            `${where(origin, ['records', n])}: no operation is called '${n}'; records are keyed by the system's operations: ${operations.join(', ') || '(none declared)'}`,
        )
        .join('\n'),
    );
}

/** The declaration was checked by the schema: its size parses. */
const diskBytes = (size: string | number): number => (typeof size === 'number' ? size : parseSize(size));

const isStore = (s: ServiceDeclaration): s is StoreDeclaration => s.kind === 'redis' || s.kind === 'postgres';

interface Member {
  spec: Exclude<ServiceDeclaration, StoreDeclaration>;
  name: string;
  replica: number;
}

/** `<primary>-replica-1` … at the scenario's scale (its "and 2 postgres replicas"), else as declared. */
function replicaNames(s: StoreDeclaration, scale: Record<string, number>): string[] {
  if (s.kind !== 'postgres') return [];
  const count = scale[replicaGroup(s.name)] ?? s.replicas ?? 0;
  return Array.from({ length: count }, (_, i) => `${s.name}-replica-${i + 1}`);
}

/** The names a declared service stands for: itself, or its replicas `<name>-1` … `<name>-N`. */
function expand(declaration: SystemDeclaration, scale: Record<string, number>) {
  const names = new Map<string, string[]>();
  const members: Member[] = [];
  for (const s of declaration.services) {
    if (isStore(s)) {
      names.set(s.name, [s.name]);
      const replicas = replicaNames(s, scale);
      if (replicas.length > 0) names.set(replicaGroup(s.name), replicas);
      continue;
    }
    const group = s.group ?? (s.replicas !== undefined ? `${s.name}s` : undefined);
    const count = group !== undefined ? (scale[group] ?? s.replicas ?? 1) : 1;
    const replicated = s.replicas !== undefined || (group !== undefined && scale[group] !== undefined);
    const own = replicated ? Array.from({ length: count }, (_, i) => `${s.name}-${i + 1}`) : [s.name];
    names.set(s.name, own);
    own.forEach((name, i) => {
      members.push({ spec: s, name, replica: i + 1 });
    });
  }
  return { names, members };
}

/** A wiring that answers with placeholders and writes down every link (and every lookup by name) asked for. */
function recorder(found: LinkSpec[], named: LinkSpec[]): Wiring {
  const placeholder: Endpoint = { host: '127.0.0.1', port: 1 };
  return {
    via: (from, to, port) => {
      found.push({ from, to, port });
      return placeholder;
    },
    direct: () => placeholder,
    storeUrl: (from, to) => {
      found.push({ from, to });
      return `redis://127.0.0.1:1/${to}`;
    },
    name: (from, to) => {
      found.push({ from, to });
      named.push({ from, to });
      return dnsName(to);
    },
  };
}

/** The host of a connection URL replaced by a name (a store's URL reached by name). */
function withHost(url: string, host: string): string {
  const parsed = new URL(url);
  parsed.hostname = host;
  return parsed.toString();
}

function scoped(wiring: Wiring, self: string, replica: number): ServiceWiring {
  return {
    self,
    replica,
    endpoint: (to, port) => wiring.via(self, to, port),
    address: (to, port) => {
      const { host, port: number } = wiring.via(self, to, port);
      return `${host}:${number}`;
    },
    url: (to, options) => {
      const url = wiring.storeUrl(self, to);
      return options?.byName ? withHost(url, wiring.name?.(self, to) ?? dnsName(to)) : url;
    },
    host: (to) => {
      // The name stands for the link: a wiring without a recording still records it as a link.
      wiring.via(self, to);
      return wiring.name?.(self, to) ?? dnsName(to);
    },
    via: (from, to, port) => wiring.via(from, to, port),
  };
}

const envFunction =
  (env: EnvOf | undefined, self: string, replica: number) =>
  (wiring: Wiring): Record<string, string> =>
    typeof env === 'function' ? env(scoped(wiring, self, replica)) : { ...(env ?? {}) };

/** Does `from` (transitively) depend on `to`? */
function reaches(deps: Map<string, Set<string>>, from: string, to: string): boolean {
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (next === to) return true;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...(deps.get(next) ?? []));
  }
  return false;
}

export interface InstantiateOptions {
  /** The system's name (its key in the config). */
  name: string;
  /** Folder that relative `cwd`s are taken from: the config file's. */
  baseDir: string;
  /** Where the declaration is, for errors: "faultline.config.ts: systems.jobs". */
  origin: string;
}

/** Declaration + the scenario's scale → the System a backend starts. Throws ConfigError naming the field. */
/** The declared restart policy with its defaults; none for `never`. */
function restartOf(declared: RestartDeclaration | undefined): { restart?: RestartPolicy } {
  if (!declared || declared.policy === 'never') return {};
  const initialMs = declared.backoff?.initialMs ?? 1_000;
  return {
    restart: {
      policy: declared.policy,
      backoff: {
        initialMs,
        maxMs: declared.backoff?.maxMs ?? Math.max(initialMs, 30_000),
        resetMs: declared.backoff?.resetMs ?? 10_000,
      },
    },
  };
}

export function instantiate(
  definition: SystemDefinition,
  scale: Record<string, number>,
  options: InstantiateOptions,
): System {
  const { origin } = options;
  const source = definition.source;
  const declaration = check(typeof source === 'function' ? source(scale) : source, origin);
  const { names, members } = expand(declaration, scale);
  const seen = new Set<string>();
  declaration.services.forEach((s, i) => {
    const all = [
      ...(names.get(s.name) ?? []),
      ...(isStore(s) ? (names.get(replicaGroup(s.name)) ?? []) : []),
    ];
    for (const n of all)
      if (seen.has(n))
        throw new ConfigError(
          `${where(origin, ['services', i])}: the name '${n}' is used twice${all.length > 1 ? ` (a replica of '${s.name}')` : ''}; every service needs its own`,
        );
      else seen.add(n);
  });
  const resolveNames = (name: string, field: string): string[] => {
    const found = names.get(name) ?? (seen.has(name) ? [name] : undefined);
    if (!found)
      throw new ConfigError(
        `${field}: there is no service '${name}'; services: ${[...names.keys()].join(', ')}`,
      );
    return found;
  };

  const services: ServiceSpec[] = [];
  const probes: Record<string, ProbeKind> = {};
  const derived: LinkSpec[] = [];
  const lookups: LinkSpec[] = [];
  const deps = new Map<string, Set<string>>();
  declaration.services.forEach((s) => {
    if (isStore(s)) {
      const disk = s.kind === 'redis' && s.disk !== undefined ? { disk: diskBytes(s.disk) } : {};
      services.push({ kind: s.kind, name: s.name, ...disk });
      probes[s.name] = s.kind;
      for (const replica of replicaNames(s, scale)) {
        services.push({ kind: 'postgres', name: replica, replicaOf: s.name, group: replicaGroup(s.name) });
        probes[replica] = 'postgres';
      }
    }
  });
  for (const m of members) {
    const { spec, name, replica } = m;
    const index = declaration.services.indexOf(spec);
    const field = where(origin, ['services', index]);
    const env = envFunction(spec.env, name, replica);
    const used: LinkSpec[] = [];
    try {
      env(recorder(used, lookups));
    } catch (error) {
      throw new ConfigError(`${field}.env (${name}): failed while composing: ${(error as Error).message}`);
    }
    for (const link of used) {
      for (const end of [link.from, link.to]) resolveNames(end, `${field}.env (${name})`);
      derived.push(link);
    }
    const dependsOn = new Set<string>(
      (spec.dependsOn ?? []).flatMap((d) => resolveNames(d, `${field}.dependsOn`)),
    );
    deps.set(name, dependsOn);
    const group =
      spec.group ?? (names.get(spec.name)!.length > 1 || spec.replicas ? `${spec.name}s` : undefined);
    const common = {
      name,
      env,
      dependsOn: [] as string[],
      group,
      readiness: spec.readiness ?? wait.forPort(),
      origin: `${field} (${spec.name})`,
      ...restartOf(spec.restart),
      ...(spec.metrics
        ? {
            metrics: {
              path: spec.metrics.path ?? '/metrics',
              ...(spec.metrics.port === undefined ? {} : { port: spec.metrics.port }),
            },
          }
        : {}),
    };
    probes[name] = spec.protocol ?? 'http';
    if (spec.kind === 'process') {
      const port = spec.port ?? { env: 'PORT' };
      const cwd =
        spec.cwd === undefined
          ? options.baseDir
          : isAbsolute(spec.cwd)
            ? spec.cwd
            : resolve(options.baseDir, spec.cwd);
      services.push({
        ...common,
        kind: 'process',
        command: spec.command,
        cwd,
        ...(typeof port === 'number' ? { port } : { portEnv: port.env }),
        ports: Object.fromEntries(Object.entries(spec.ports ?? {}).map(([k, v]) => [k, v.env])),
        ...(spec.disk ? { disk: { env: spec.disk.env, bytes: diskBytes(spec.disk.size) } } : {}),
      });
      for (const [k, v] of Object.entries(spec.ports ?? {}))
        if (v.protocol) probes[`${name}:${k}`] = v.protocol;
    } else {
      services.push({
        ...common,
        kind: 'container',
        image: spec.image,
        command: spec.command,
        port: spec.port,
      });
    }
  }
  // Declared links, each end standing for all replicas of a replicated service.
  (declaration.links ?? []).forEach((l, i) => {
    const field = where(origin, ['links', i]);
    for (const from of resolveNames(l.from, `${field}.from`))
      for (const to of resolveNames(l.to, `${field}.to`)) derived.push({ from, to, port: l.port });
  });
  const links: LinkSpec[] = [];
  const key = (l: LinkSpec) => `${l.from}>${l.to}>${l.port ?? ''}`;
  for (const l of derived) if (!links.some((k) => key(k) === key(l))) links.push(l);
  // A service starts after what it links to, unless that would make a cycle (a worker and a coordinator
  // that call each other): then the declared dependsOn decides. Links between members of one group (peers
  // that gossip) order nothing: a mesh has no first member, its members start together in one wave — which
  // also has every link between them created before any of them composes its env — and each must cope
  // with a peer not up yet, as it must with a peer that restarts.
  const groupOfName = new Map(services.map((s) => [s.name, s.group]));
  const peers = (l: LinkSpec) => {
    const group = groupOfName.get(l.from);
    return group !== undefined && group === groupOfName.get(l.to);
  };
  for (const l of links) {
    const own = deps.get(l.from);
    if (own && l.from !== l.to && !peers(l) && !reaches(deps, l.to, l.from)) own.add(l.to);
  }
  for (const s of services)
    if (s.kind === 'process' || s.kind === 'container') s.dependsOn = [...(deps.get(s.name) ?? [])];

  const named: LinkSpec[] = [];
  for (const l of lookups) if (!named.some((k) => key(k) === key(l))) named.push({ from: l.from, to: l.to });
  const topology: Topology = {
    name: options.name,
    services,
    links,
    probes,
    ...(named.length > 0 ? { lookups: named } : {}),
  };
  try {
    validateTopology(topology);
  } catch (error) {
    if (error instanceof TopologyError) throw new ConfigError(`${origin}: ${error.message}`);
    throw error;
  }

  const operations: Record<string, (ctx: OperationContext) => Promise<Operation>> = {};
  for (const [kind, op] of Object.entries(declaration.operations ?? {})) {
    if (typeof op === 'function') operations[kind] = op;
    else {
      resolveNames(op.service, where(origin, ['operations', kind, 'service']));
      operations[kind] = httpOperation(kind, op);
    }
  }
  // The system's own services (not the stores faultline starts): what a secretEnv may name.
  const own = declaration.services.filter((s) => !isStore(s)).map((s) => s.name);
  const memberNames = new Set(
    services.filter((s) => s.kind === 'process' || s.kind === 'container').map((s) => s.name),
  );
  const ownNames = (name: string): readonly string[] | undefined =>
    own.includes(name) ? names.get(name) : memberNames.has(name) ? [name] : undefined;
  const system: System = {
    topology,
    operations,
    prepare: declaration.prepare?.bind(declaration),
    // Read when used: prepare() may be what sets the certificates up.
    get certificates() {
      return declaration.certificates;
    },
    healthyMembers: declaration.healthyMembers,
    routingOrder: declaration.routingOrder,
    holder: declaration.holder,
    audit: declaration.audit,
    events: declaration.events,
    certificateRejections: declaration.certificateRejections,
    renewalLog: declaration.renewalLog,
    serverCertificateRefusedLog: declaration.serverCertificateRefusedLog,
    records: declaration.records,
    requests: { ...httpRequests(declaration.operations ?? {}), ...declaration.requests },
    // Read when used: prepare() may be what writes the secret files. A secretEnv's services are read as the
    // members they stand for; a name that stands for none is left for the fault to refuse.
    get credentials() {
      return declaration.credentials && withMembers(declaration.credentials, ownNames);
    },
    audited: declaration.audited,
  };
  if (declaration.records) recordsNamed(Object.keys(declaration.records), Object.keys(operations), origin);
  if (declaration.credentials) {
    storesNamed(declaration.credentials, topology, origin);
    secretEnvServicesNamed(declaration.credentials, ownNames, own, origin);
  }
  return system;
}
