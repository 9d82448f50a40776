import { dirname, relative, resolve } from 'node:path';
import { parse } from 'yaml';

// `faultline init --from-compose`: a first draft of faultline.config.ts from a Docker Compose file. Compose
// describes containers on a network; faultline describes services whose links run through its fault
// proxy. What maps (images, build contexts, ports, depends_on, environment, replicas) is translated; what
// does not (volumes, networks, healthchecks, resources…) is written into the draft as a comment beside
// the service and listed in the summary, so nothing is dropped silently.

export interface ComposeDraft {
  /** The text of the config file. */
  source: string;
  /** The system's name in the draft. */
  system: string;
  /** Each service as drafted: its faultline name and kind. */
  services: { name: string; kind: 'redis' | 'postgres' | 'process' | 'container' }[];
  /** Links from depends_on and from environment values that name another service. */
  links: { from: string; to: string }[];
  /** What could not be translated, one line each, naming the service and the key. */
  notes: string[];
}

export class ComposeError extends Error {}

type Json = unknown;
const isRecord = (v: Json): v is Record<string, Json> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A single-quoted TypeScript string literal. */
const q = (s: string): string =>
  `'${JSON.stringify(s).slice(1, -1).replaceAll('\\"', '"').replaceAll("'", "\\'")}'`;

/** A faultline service name: letters, digits and dashes, starting with a letter. */
function faultlineName(name: string): string {
  const cleaned = name.replace(/[^a-zA-Z0-9-]+/g, '-').replace(/^[^a-zA-Z]+/, '');
  return cleaned || `service-${name.length}`;
}

/** redis:7, bitnami/redis, postgres:16-alpine, docker.io/library/postgres@sha256:… → the store it is. */
function storeOf(image: string): 'redis' | 'postgres' | undefined {
  const repository = image.split('@')[0]!.split('/').pop()!.split(':')[0]!;
  if (repository === 'redis' || repository === 'redis-stack-server') return 'redis';
  if (repository === 'postgres' || repository === 'postgis') return 'postgres';
  return undefined;
}

/** The container-side port of a Compose ports entry: "8080:80", "127.0.0.1:8080:80/tcp", 80, { target }. */
function containerPort(entry: Json): number | undefined {
  if (isRecord(entry)) return Number(entry.target) || undefined;
  const text = String(entry).split('/')[0]!;
  const last = text.split(':').pop()!;
  const first = Number(last.split('-')[0]);
  return Number.isInteger(first) && first > 0 ? first : undefined;
}

const asCommand = (value: Json): string[] | undefined =>
  Array.isArray(value)
    ? value.map(String)
    : typeof value === 'string'
      ? (value.match(/"[^"]*"|'[^']*'|\S+/g) ?? []).map((w) => w.replace(/^(["'])(.*)\1$/, '$2'))
      : undefined;

function environmentOf(value: Json): Record<string, string | null> {
  if (Array.isArray(value))
    return Object.fromEntries(
      value.map((line) => {
        const text = String(line);
        const at = text.indexOf('=');
        return at < 0 ? [text, null] : [text.slice(0, at), text.slice(at + 1)];
      }),
    );
  if (isRecord(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, v === null ? null : String(v)]));
  return {};
}

const dependenciesOf = (value: Json): string[] =>
  Array.isArray(value) ? value.map(String) : isRecord(value) ? Object.keys(value) : [];

/** A template literal's text, with what would be read as its syntax escaped. */
const literal = (s: string): string =>
  s.replaceAll('\\', '\\\\').replaceAll('`', '\\`').replaceAll('${', '\\${');

interface Rewrite {
  /** TypeScript expression for the value. */
  code: string;
  /** The service it reaches, when the value was recognised as an address of one. */
  to?: string;
  /** What of the original value the rewrite does not keep. */
  replaced?: string;
}

/**
 * An environment value as this service should see it in faultline: an address of another Compose service
 * (`db:5432`, `http://api:8080/v1`, `redis://cache:6379/0`, or a bare host name) becomes the address of
 * the link to it, so the fault proxy sits between them.
 */
function rewriteValue(
  key: string,
  value: string,
  names: Map<string, string>,
  stores: Map<string, 'redis' | 'postgres'>,
): Rewrite {
  const target = (host: string) => names.get(host);
  const url = /^([a-z][a-z0-9+.-]*):\/\/(?:([^@/]*)@)?([^:/?#]+)(?::(\d+))?(.*)$/i.exec(value);
  if (url) {
    const [, scheme, credentials, host, , rest] = url;
    const to = target(host!);
    if (to) {
      const store = stores.get(to);
      // faultline starts the store itself, with its own credentials and database: its URL replaces all of it.
      if (
        (store === 'redis' && /^rediss?$/.test(scheme!)) ||
        (store === 'postgres' && /^postgres/.test(scheme!))
      )
        return {
          code: `w.url(${q(to)})`,
          to,
          replaced:
            credentials || rest
              ? `faultline's own ${store} URL replaces its user, password and database`
              : undefined,
        };
      const auth = credentials ? `${literal(credentials)}@` : '';
      return { code: `\`${literal(scheme!)}://${auth}\${w.address(${q(to)})}${literal(rest!)}\``, to };
    }
  }
  const hostPort = /^([A-Za-z0-9._-]+):(\d+)$/.exec(value);
  if (hostPort && target(hostPort[1]!)) {
    const to = target(hostPort[1]!)!;
    return { code: `w.address(${q(to)})`, to };
  }
  if (target(value) && /HOST/i.test(key)) {
    const to = target(value)!;
    return { code: `w.endpoint(${q(to)}).host`, to };
  }
  return { code: q(value) };
}

const KNOWN = new Set([
  'image',
  'build',
  'command',
  'ports',
  'expose',
  'depends_on',
  'environment',
  'deploy',
  'scale',
  'healthcheck',
  'volumes',
  'networks',
  'container_name',
  'restart',
]);

interface Drafted {
  code: string;
  kind: ComposeDraft['services'][number]['kind'];
  links: { from: string; to: string; via: 'env' | 'depends_on' }[];
  builders: Set<string>;
}

function draftService(
  composeName: string,
  spec: Record<string, Json>,
  ctx: {
    names: Map<string, string>;
    stores: Map<string, 'redis' | 'postgres'>;
    composeDir: string;
    configDir: string;
    notes: string[];
  },
): Drafted {
  const name = ctx.names.get(composeName)!;
  const comments: string[] = [];
  const note = (text: string) => {
    comments.push(text);
    ctx.notes.push(`${composeName}: ${text}`);
  };
  if (name !== composeName) note(`renamed to '${name}' (a faultline name is letters, digits and dashes)`);
  const image = typeof spec.image === 'string' ? spec.image : undefined;
  const store = ctx.stores.get(name);
  if (store) {
    const dropped = ['ports', 'environment', 'volumes', 'command', 'healthcheck'].filter((k) => k in spec);
    if (dropped.length > 0)
      note(
        `${store}: faultline starts its own ${store} with its own port, credentials and data; not used: ${dropped.join(', ')}`,
      );
    const code = `${comments.map((c) => `// ${c}\n`).join('')}${store}(${q(name)}),`;
    return { code, kind: store, links: [], builders: new Set([store]) };
  }

  const fields: string[] = [];
  const builders = new Set<string>();
  const links: Drafted['links'] = [];
  const ports = (Array.isArray(spec.ports) ? spec.ports : []).map(containerPort);
  const exposed = (Array.isArray(spec.expose) ? spec.expose : []).map(containerPort);
  const port = [...ports, ...exposed].find((p) => p !== undefined);
  if (ports.length + exposed.length > 1)
    note(
      `further ports (${[...ports, ...exposed].slice(1).join(', ')}): declare each as ports: { name: { env: 'VAR' } }`,
    );
  const environment = environmentOf(spec.environment);
  const command = asCommand(spec.command);
  const build =
    typeof spec.build === 'string' ? spec.build : isRecord(spec.build) ? spec.build.context : undefined;

  let kind: Drafted['kind'];
  if (build !== undefined || image === undefined) {
    kind = 'process';
    builders.add('service');
    const context = resolve(ctx.composeDir, typeof build === 'string' ? build : '.');
    const cwd = relative(ctx.configDir, context) || '.';
    if (command) {
      fields.push(`// TODO: Compose ran this in the image; check it runs from ${cwd} on this machine.`);
      fields.push(`command: [${command.map(q).join(', ')}],`);
    } else {
      fields.push(
        `// TODO: the command that starts ${composeName} from its sources (Compose built an image from ${cwd}).`,
      );
      fields.push(`command: [${q(`TODO: start ${name}`)}],`);
    }
    if (cwd !== '.') fields.push(`cwd: ${q(cwd)},`);
    if (image !== undefined)
      note(
        `its image ${image} is built from the sources; container(…, { image }) runs it on the containers backend`,
      );
    // A fixed port is what the Compose file says it listens on; a service that reads its port from a
    // variable is better off with a free port faultline picks for it.
    if ('PORT' in environment) fields.push(`port: { env: 'PORT' },`);
    else if (port !== undefined) {
      fields.push(
        `// The port it listens on. If it reads its port from a variable, write port: { env: 'PORT' }.`,
      );
      fields.push(`port: ${port},`);
    }
  } else {
    kind = 'container';
    builders.add('container');
    fields.push(`image: ${q(image)},`);
    if (command) fields.push(`command: [${command.map(q).join(', ')}],`);
    if (port !== undefined) fields.push(`port: ${port},`);
    else {
      fields.push(`// TODO: the port it listens on (the Compose file names none).`);
      fields.push(`port: 80,`);
    }
  }

  const envLines: string[] = [];
  let wired = false;
  const hostKeys = new Map<string, string>();
  for (const [key, value] of Object.entries(environment)) {
    if (value === null) {
      note(`environment ${key}: taken from the shell in Compose; set it in env yourself`);
      continue;
    }
    if (/\$\{?[A-Za-z_]/.test(value))
      note(`environment ${key}: Compose would interpolate ${value}; kept as written`);
    const rewrite = rewriteValue(key, value, ctx.names, ctx.stores);
    if (rewrite.replaced) note(`environment ${key}: became w.url(…); ${rewrite.replaced}`);
    if (rewrite.to) {
      wired = true;
      if (!links.some((l) => l.to === rewrite.to)) links.push({ from: name, to: rewrite.to, via: 'env' });
      if (rewrite.code.endsWith('.host')) hostKeys.set(key.replace(/HOST(NAME)?$/i, ''), rewrite.to);
    }
    envLines.push(`${/^[A-Za-z_$][\w$]*$/.test(key) ? key : q(key)}: ${rewrite.code},`);
  }
  // FOO_HOST=db beside FOO_PORT=5432: the port of the same link.
  for (const [prefix, to] of hostKeys) {
    const index = envLines.findIndex((l) => l.startsWith(`${prefix}PORT: `));
    if (index >= 0) envLines[index] = `${prefix}PORT: String(w.endpoint(${q(to)}).port),`;
  }
  if (envLines.length > 0)
    fields.push(
      wired
        ? `env: (w) => ({\n${envLines.map((l) => `  ${l}`).join('\n')}\n}),`
        : `env: {\n${envLines.map((l) => `  ${l}`).join('\n')}\n},`,
    );

  const dependsOn = dependenciesOf(spec.depends_on).map((d) => {
    const to = ctx.names.get(d);
    if (!to) throw new ComposeError(`services.${composeName}.depends_on: there is no service '${d}'`);
    return to;
  });
  if (dependsOn.length > 0) fields.push(`dependsOn: [${dependsOn.map(q).join(', ')}],`);
  for (const to of dependsOn)
    if (!links.some((l) => l.to === to)) links.push({ from: name, to, via: 'depends_on' });
  if (isRecord(spec.depends_on) && Object.values(spec.depends_on).some((d) => isRecord(d) && d.condition))
    note(
      `depends_on conditions: faultline starts a service once what it depends on is ready (its readiness)`,
    );

  const replicas = isRecord(spec.deploy) ? Number(spec.deploy.replicas) : Number(spec.scale);
  if (Number.isInteger(replicas) && replicas > 1) fields.push(`replicas: ${replicas},`);
  if (isRecord(spec.deploy)) {
    const other = Object.keys(spec.deploy).filter((k) => k !== 'replicas');
    if (other.length > 0)
      note(`deploy.${other.join(', deploy.')}: not translated (faultline runs no orchestrator)`);
  }

  if (isRecord(spec.healthcheck)) {
    const test = asCommand(spec.healthcheck.test)?.filter((w) => w !== 'CMD' && w !== 'CMD-SHELL');
    const path = test?.join(' ').match(/https?:\/\/(?:localhost|127\.0\.0\.1)(?::\d+)?(\/\S*)?/);
    if (path) {
      builders.add('wait');
      fields.push(`readiness: wait.forHttp(${q(path[1] ?? '/')}),`);
      note(`healthcheck: became readiness: wait.forHttp(${q(path[1] ?? '/')})`);
    } else
      note(
        `healthcheck (${test?.join(' ') ?? 'none'}): not translated; declare readiness: wait.forHttp('/health'), wait.forLog(/ready/) or wait.forCommand([…])`,
      );
  }
  if ('volumes' in spec)
    note(
      'volumes: not translated; a process service sees this machine’s files, and prepare(workdir) can seed data',
    );
  if ('networks' in spec) note('networks: not translated; every link runs through faultline’s fault proxy');
  const unknown = Object.keys(spec).filter((k) => !KNOWN.has(k));
  if (unknown.length > 0) note(`not translated: ${unknown.join(', ')}`);

  const body = fields.map((f) => f.replace(/^/gm, '  ')).join('\n');
  const code = `${comments.map((c) => `// ${c}\n`).join('')}${kind === 'process' ? 'service' : 'container'}(${q(name)}, {\n${body}\n}),`;
  return { code, kind, links, builders };
}

/** Drafts a faultline config from the text of a Compose file. */
export function draftFromCompose(
  text: string,
  options: {
    /** The file as the user named it (for messages). */
    file: string;
    /** Its absolute path: build contexts are relative to its folder. */
    path: string;
    /** Where the config will be: cwd paths in the draft are relative to it. */
    configDir: string;
    systemName?: string;
  },
): ComposeDraft {
  let document: Json;
  try {
    document = parse(text);
  } catch (error) {
    throw new ComposeError(`${options.file} is not valid YAML: ${(error as Error).message}`);
  }
  if (!isRecord(document) || !isRecord(document.services) || Object.keys(document.services).length === 0)
    throw new ComposeError(
      `${options.file}: expected a Compose file with a top-level services: map (services: { api: { image: … } })`,
    );
  const composeServices = document.services;
  const names = new Map(Object.keys(composeServices).map((n) => [n, faultlineName(n)]));
  const stores = new Map<string, 'redis' | 'postgres'>();
  for (const [composeName, spec] of Object.entries(composeServices)) {
    if (!isRecord(spec))
      throw new ComposeError(`${options.file}: services.${composeName}: expected a map of settings`);
    const store =
      typeof spec.image === 'string' && spec.build === undefined ? storeOf(spec.image) : undefined;
    if (store) stores.set(names.get(composeName)!, store);
  }
  const notes: string[] = [];
  const ctx = { names, stores, composeDir: dirname(options.path), configDir: options.configDir, notes };
  const drafted = Object.entries(composeServices).map(([n, spec]) => ({
    name: names.get(n)!,
    ...draftService(n, spec as Record<string, Json>, ctx),
  }));
  const system = faultlineName(
    options.systemName ?? (typeof document.name === 'string' ? document.name : 'app'),
  );
  for (const key of Object.keys(document).filter((k) => k !== 'services' && k !== 'name' && k !== 'version'))
    notes.push(`top-level ${key}: not translated`);

  // A depends_on that no env value already makes a link is declared as one: each dependency is reached
  // through the fault proxy.
  const links = drafted.flatMap((d) => d.links);
  const explicit = links.filter((l) => l.via === 'depends_on');

  const builders = new Set(['defineConfig', 'defineSystem']);
  for (const d of drafted) for (const b of d.builders) builders.add(b);
  const order = ['container', 'defineConfig', 'defineSystem', 'postgres', 'redis', 'service', 'wait'];
  const services = drafted.map((d) => d.code.replace(/^/gm, '        ')).join('\n');
  const linksCode =
    explicit.length === 0
      ? ''
      : `\n      // From depends_on: each dependency is reached through the fault proxy. Point the service at the\n      // link's address (w.address('…') in its env) so its traffic really crosses it.\n      links: [\n${explicit.map((l) => `        { from: ${q(l.from)}, to: ${q(l.to)} },`).join('\n')}\n      ],`;
  const topLevel = notes.filter((n) => n.startsWith('top-level'));
  const source = `// Drafted by \`faultline init --from-compose ${options.file}\`: check every TODO, then run \`npx cucumber-js\`.
// Compose runs containers on a network; faultline runs services whose links go through its fault proxy, so
// addresses of other services in the environment became w.address('…') / w.url('…') (the link's address).
// What did not translate is written beside each service${topLevel.length > 0 ? ', and:' : '.'}
${topLevel.map((n) => `//  - ${n}\n`).join('')}import { ${order.filter((b) => builders.has(b)).join(', ')} } from 'faultline';

export default defineConfig({
  systems: {
    ${q(system).slice(1, -1) === system && /^[A-Za-z_$][\w$]*$/.test(system) ? system : q(system)}: defineSystem({
      services: [
${services}
      ],${linksCode}
      // TODO: the operations load steps send, e.g.
      // operations: { order: http({ service: 'api', method: 'POST', path: '/orders', json: { id: '{{id}}' } }) },
    }),
  },
});
`;
  return {
    source,
    system,
    services: drafted.map((d) => ({ name: d.name, kind: d.kind })),
    links: links.map(({ from, to }) => ({ from, to })),
    notes,
  };
}
