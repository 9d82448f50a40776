import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

// A small real HTTP server that plays a Kubernetes API server with Chaos Mesh installed, for the paths the
// kubernetes backend calls: pods by label selector (core/v1) and chaos objects (custom objects of
// chaos-mesh.org/v1alpha1). It records every request, and answers with the shapes the API serves —
// including a chaos object's status as Chaos Mesh's controller writes it: once created, a record per
// selected pod, phase "Injected", conditions Selected/AllInjected True; once deleted, the object lingers
// (deletionTimestamp, its finalizer recovering) with records "Not Injected" and AllRecovered True, then is
// gone (404). The client under test is the real @kubernetes/client-node.

export interface Pod {
  name: string;
  namespace: string;
  labels: Record<string, string>;
}

export interface Recorded {
  method: string;
  path: string;
  query: Record<string, string>;
  body?: Record<string, unknown>;
}

interface Stored {
  object: Record<string, unknown> & {
    metadata: {
      name: string;
      namespace: string;
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
    };
    spec: { selector?: { namespaces?: string[]; labelSelectors?: Record<string, string> } };
  };
  plural: string;
  /** GETs left before the status shows the injection (Chaos Mesh takes a moment). */
  pending: number;
  deleted?: { gets: number };
}

export interface FakeApiServer {
  url: string;
  requests: Recorded[];
  pods: Pod[];
  /** Chaos objects in the fake cluster, by "plural/namespace/name". */
  objects: Map<string, Stored>;
  /** Puts an object into the cluster as if an earlier run had applied it. */
  seed(plural: string, object: Stored['object']): void;
  /** Requests of one method (and path prefix). */
  calls(method: string, prefix?: string): Recorded[];
  kubeConfig(): KubeConfig;
  close(): Promise<void>;
}

const matches = (labels: Record<string, string>, selector: string): boolean =>
  selector === '' ||
  selector.split(',').every((term) => {
    const [k, v] = term.split('=');
    return v === undefined ? k! in labels : labels[k!] === v;
  });

const selectorOf = (labels: Record<string, string> = {}) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

async function bodyOf(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
}

export async function fakeApiServer(options: {
  pods: Pod[];
  injectAfterGets?: number;
}): Promise<FakeApiServer> {
  const requests: Recorded[] = [];
  const objects = new Map<string, Stored>();
  const pods = options.pods;
  const selected = (stored: Stored): Pod[] => {
    const sel = stored.object.spec.selector ?? {};
    return pods.filter(
      (p) =>
        (sel.namespaces ?? []).includes(p.namespace) && matches(p.labels, selectorOf(sel.labelSelectors)),
    );
  };
  const statusOf = (stored: Stored) => {
    const targets = selected(stored);
    const recovering = stored.deleted !== undefined;
    const injected = !recovering && stored.pending <= 0;
    return {
      conditions: [
        { type: 'Selected', status: targets.length > 0 ? 'True' : 'False' },
        { type: 'AllInjected', status: injected && targets.length > 0 ? 'True' : 'False' },
        { type: 'AllRecovered', status: recovering ? 'True' : 'False' },
        { type: 'Paused', status: 'False' },
      ],
      experiment: {
        desiredPhase: recovering ? 'Stop' : 'Run',
        containerRecords: targets.map((p) => ({
          id: `${p.namespace}/${p.name}`,
          selectorKey: '.',
          phase: injected ? 'Injected' : 'Not Injected',
          injectedCount: injected || recovering ? 1 : 0,
          recoveredCount: recovering ? 1 : 0,
        })),
      },
    };
  };
  const notFound = (what: string) => ({
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    message: `${what} not found`,
    reason: 'NotFound',
    code: 404,
  });

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const body = await bodyOf(req);
    requests.push({
      method: req.method ?? '?',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      ...(body ? { body } : {}),
    });
    const send = (code: number, value: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    const podPath = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(url.pathname);
    if (podPath && req.method === 'GET') {
      const selector = url.searchParams.get('labelSelector') ?? '';
      return send(200, {
        kind: 'PodList',
        apiVersion: 'v1',
        metadata: {},
        items: pods
          .filter((p) => p.namespace === podPath[1] && matches(p.labels, selector))
          .map((p) => ({
            metadata: { name: p.name, namespace: p.namespace, labels: p.labels },
            status: { phase: 'Running' },
          })),
      });
    }
    const chaos = /^\/apis\/chaos-mesh\.org\/v1alpha1\/namespaces\/([^/]+)\/([a-z]+)(?:\/([^/]+))?$/.exec(
      url.pathname,
    );
    if (!chaos) return send(404, notFound(url.pathname));
    const [, namespace, plural, name] = chaos as unknown as [string, string, string, string | undefined];
    const key = (n: string) => `${plural}/${namespace}/${n}`;
    if (req.method === 'POST' && !name) {
      const object = body as Stored['object'];
      if (objects.has(key(object.metadata.name)))
        return send(409, { kind: 'Status', code: 409, reason: 'AlreadyExists', message: 'already exists' });
      objects.set(key(object.metadata.name), { object, plural, pending: options.injectAfterGets ?? 0 });
      return send(201, object);
    }
    if (req.method === 'GET' && !name) {
      const selector = url.searchParams.get('labelSelector') ?? '';
      const items = [...objects.values()]
        .filter((s) => s.plural === plural && s.object.metadata.namespace === namespace)
        .filter((s) => matches(s.object.metadata.labels ?? {}, selector))
        .map((s) => ({ ...s.object, status: statusOf(s) }));
      return send(200, { apiVersion: 'chaos-mesh.org/v1alpha1', kind: 'List', metadata: {}, items });
    }
    const stored = name ? objects.get(key(name)) : undefined;
    if (!stored || !name) return send(404, notFound(`${plural} ${name}`));
    if (req.method === 'GET') {
      if (stored.deleted) {
        // One read while the finalizer recovers the targets, then it is gone.
        if (stored.deleted.gets++ >= 1) {
          objects.delete(key(name));
          return send(404, notFound(`${plural} ${name}`));
        }
        return send(200, {
          ...stored.object,
          metadata: { ...stored.object.metadata, deletionTimestamp: new Date().toISOString() },
          status: statusOf(stored),
        });
      }
      const answer = { ...stored.object, status: statusOf(stored) };
      stored.pending--;
      return send(200, answer);
    }
    if (req.method === 'DELETE') {
      stored.deleted ??= { gets: 0 };
      return send(200, { kind: 'Status', apiVersion: 'v1', status: 'Success' });
    }
    return send(405, { kind: 'Status', code: 405, message: `${req.method} not served` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    pods,
    objects,
    seed(plural, object) {
      objects.set(`${plural}/${object.metadata.namespace}/${object.metadata.name}`, {
        object,
        plural,
        pending: 0,
      });
    },
    calls: (method, prefix = '') => requests.filter((r) => r.method === method && r.path.startsWith(prefix)),
    kubeConfig() {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: 'fake', server: url, skipTLSVerify: true }],
        users: [{ name: 'tester', token: 'test-token' }],
        contexts: [{ name: 'fake', cluster: 'fake', user: 'tester' }],
        currentContext: 'fake',
      });
      return kc;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
