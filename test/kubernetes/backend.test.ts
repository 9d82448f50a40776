import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ChaosObject } from '../../support/chaos-mesh/objects.ts';
import { formatOwner, RUN_ID, self } from '../../support/env/containers/runtime.ts';
import { kubernetesEnvironment } from '../../support/env/kubernetes/backend.ts';
import { type ChaosApi, chaosApi } from '../../support/env/kubernetes/client.ts';
import { checkBlastRadius } from '../../support/env/kubernetes/fault.ts';
import { chaosFaultOfText } from '../../support/env/kubernetes/fault-text.ts';
import { kubernetesTarget } from '../../support/env/kubernetes/target.ts';
import { FaultLedger } from '../../support/faults/ledger.ts';
import { BLACK_HOLE } from '../../support/faults/network/partition.ts';
import type { FaultShape } from '../../support/faults/shape.ts';
import { faultOfText } from '../../support/plan/fault-text.ts';
import { loadStepDefinitions } from '../../support/plan/steps.ts';
import { loadSystem } from '../../support/system/config.ts';
import { type FakeApiServer, fakeApiServer, type Pod } from './api-server.ts';
import { kubernetes } from './fixtures/faultline.config.ts';

// The kubernetes backend's calls against a real HTTP server playing the Kubernetes API (api-server.ts),
// through the real @kubernetes/client-node: the paths, methods and bodies the API expects, the owner
// labels, the status it polls (injected, then recovered and gone), the sweep of dead runs' objects, and
// every bad input refused before anything is created (the fake cluster saw no POST).

const optIn = { 'chaos-ready': 'true' };
const PODS: Pod[] = [
  { name: 'controller-7d9f', namespace: 'shop', labels: { app: 'controller', ...optIn } },
  ...[0, 1, 2].map((n) => ({
    name: `worker-${n}`,
    namespace: 'shop',
    labels: { app: 'worker', 'statefulset.kubernetes.io/pod-name': `worker-${n}`, ...optIn },
  })),
  { name: 'redis-0', namespace: 'shop-data', labels: { app: 'redis', ...optIn } },
  { name: 'postgres-0', namespace: 'shop-data', labels: { app: 'postgres', role: 'primary', ...optIn } },
  { name: 'postgres-1', namespace: 'shop-data', labels: { app: 'postgres', role: 'replica', ...optIn } },
  // Deployed, but never opted in to chaos.
  { name: 'billing-5c4b', namespace: 'shop', labels: { app: 'billing' } },
];
const config = {
  ...kubernetes,
  services: {
    ...kubernetes.services,
    billing: { namespace: 'shop', selector: { app: 'billing' }, container: 'billing' },
    ghost: { namespace: 'shop', selector: { app: 'ghost' }, container: 'ghost' },
  },
};
const CHAOS = '/apis/chaos-mesh.org/v1alpha1/namespaces';

let server: FakeApiServer;
let api: ChaosApi;
before(async () => {
  server = await fakeApiServer({ pods: PODS.map((p) => ({ ...p })), injectAfterGets: 2 });
  api = chaosApi(server.kubeConfig());
});
after(() => server.close());

// Loaded once per process: cucumber registers step definitions when their modules are first imported.
let loaded: ReturnType<typeof loadStepDefinitions> | undefined;
const stepDefinitions = () => {
  loaded ??= loadStepDefinitions(resolve(fileURLToPath(import.meta.url), '../../..'));
  return loaded;
};

const target = () => kubernetesTarget(config, { api, pollMs: 5, timeoutMs: 2_000 });
const partition: FaultShape = {
  family: 'network',
  effect: { kind: 'unreachable', label: 'black hole', toxic: BLACK_HOLE },
  links: [{ struck: { name: 'workers', mode: 'fixed', count: 2 }, peer: 'controller', direction: 'both' }],
  durationMs: 4000,
};
const about = (description: string) => ({ kind: 'test', description, targets: ['workers'] });

test('a fault is applied as owned chaos objects, proven by their status, and undone by deletion until recovered', async () => {
  server.requests.length = 0;
  const ledger = new FaultLedger();
  const record = await ledger.inject(target().fault(partition, about('partition of 2 workers')));
  // Blast radius first: the pods of both selectors, listed by their own labels (without the opt-in).
  const podCalls = server.calls('GET', '/api/v1/');
  assert.deepEqual(
    podCalls.map((r) => [r.path, r.query.labelSelector]),
    [
      ['/api/v1/namespaces/shop/pods', 'app=worker'],
      ['/api/v1/namespaces/shop/pods', 'app=controller'],
    ],
  );
  const [post, ...more] = server.calls('POST');
  assert.equal(more.length, 0);
  assert.equal(post!.path, `${CHAOS}/shop/networkchaos`);
  const body = post!.body as unknown as ChaosObject;
  assert.equal(body.apiVersion, 'chaos-mesh.org/v1alpha1');
  assert.equal(body.kind, 'NetworkChaos');
  assert.deepEqual(body.metadata.labels, {
    'app.kubernetes.io/managed-by': 'faultline',
    'faultline.run': RUN_ID,
  });
  assert.equal(body.metadata.annotations?.['faultline.owner'], formatOwner(self));
  assert.equal(body.metadata.annotations?.['faultline.fault'], 'partition of 2 workers');
  assert.deepEqual(
    [body.spec.action, body.spec.direction, body.spec.mode, body.spec.value, body.spec.duration],
    ['partition', 'both', 'fixed', '2', '4s'],
  );
  // Injected only once Chaos Mesh said so: the status was read until every target reported injected.
  const name = body.metadata.name;
  const reads = server.calls('GET', `${CHAOS}/shop/networkchaos/${name}`);
  assert.equal(reads.length, 3, 'two reads before injection, the third saw it');
  assert.equal(record.state, 'active');
  assert.ok(
    record.evidence.some((e) =>
      e.includes(`NetworkChaos shop/${name}: all 3 target(s) injected (shop/worker-0: Injected`),
    ),
    record.evidence.join('\n'),
  );
  assert.ok(
    record.evidence.some((e) => e.includes('selector: 3 pod(s) opted in (worker-0, worker-1, worker-2)')),
  );
  server.requests.length = 0;
  assert.deepEqual(await ledger.rollback(), []);
  assert.deepEqual(
    server.requests.map((r) => [r.method, r.path]),
    [
      ['DELETE', `${CHAOS}/shop/networkchaos/${name}`],
      ['GET', `${CHAOS}/shop/networkchaos/${name}`], // still there: its finalizer recovers the targets
      ['GET', `${CHAOS}/shop/networkchaos/${name}`], // gone: recovered
    ],
  );
  assert.equal(record.state, 'undone');
  assert.equal(server.objects.size, 0);
});

test('bad input is refused before anything is applied: the cluster sees no POST', async () => {
  server.requests.length = 0;
  const refused = async (shape: FaultShape, message: RegExp) => {
    const ledger = new FaultLedger();
    await assert.rejects(async () => ledger.inject(target().fault(shape, about('bad'))), message);
    await ledger.rollback();
  };
  const kill = (name: string, extra: Partial<FaultShape> = {}) =>
    ({ family: 'process', action: 'restart', aim: { name, mode: 'all' }, ...extra }) as FaultShape;
  // A selector that matches no pod.
  await refused(kill('ghost'), /its selector app=ghost in shop matches no pod; check kubernetes\.services/);
  // A target without the opt-in label.
  await refused(
    kill('billing'),
    /shop\/billing-5c4b \(matched by app=billing in shop\) lacks the opt-in label chaos-ready: "true"/,
  );
  // More members than the selector matches.
  await refused(
    { family: 'process', action: 'restart', aim: { name: 'workers', mode: 'fixed', count: 5 } },
    /5 of app=worker in shop asked, but it matches 3 pod\(s\)/,
  );
  // A fault kind with no Chaos Mesh equivalent: refused when the fault is made, before the ledger has it.
  assert.throws(
    () => target().fault(kill('controller', { action: 'pause' } as Partial<FaultShape>), about('pause')),
    /no Chaos Mesh equivalent for a paused process/,
  );
  // A namespace outside the allow-list: refused by the config, and by the cluster check for a hand-made object.
  assert.throws(
    () =>
      kubernetesTarget(
        { ...config, services: { x: { namespace: 'payments', selector: { app: 'x' } } } },
        { api },
      ),
    /kubernetes\.services\.x\.namespace: payments is not in the allow-list/,
  );
  const [object] = target().objects(kill('controller'), 'restart');
  const elsewhere = {
    ...object!,
    spec: { ...object!.spec, selector: { namespaces: ['payments'], labelSelectors: { app: 'controller' } } },
  };
  await assert.rejects(
    checkBlastRadius(api, target().config, [elsewhere]),
    /payments is not in the allow-list/,
  );
  // A fault text the vocabulary does not know.
  const definitions = await stepDefinitions();
  assert.throws(
    () => faultOfText('the controller is hit by a meteor', definitions),
    /'the controller is hit by a meteor' is not a fault step of the vocabulary/,
  );
  assert.throws(
    () => faultOfText('the error rate under fault is below 5%', definitions),
    /is a verdict step, not a fault/,
  );
  assert.equal(faultOfText('When 1 of the workers is paused', definitions).shape?.family, 'process');
  assert.deepEqual(server.calls('POST'), [], 'nothing was created');
  assert.equal(server.objects.size, 0);
});

test("a fault step's text applied to the cluster: read like the plan, checked against the topology, then applied", async () => {
  server.requests.length = 0;
  const definitions = await stepDefinitions();
  const { system } = await loadSystem(
    { workers: 3 },
    { file: resolve(fileURLToPath(import.meta.url), '../fixtures/faultline.config.ts') },
  );
  const ledger = new FaultLedger();
  const record = await ledger.inject(
    chaosFaultOfText(
      target(),
      '2 of the workers are killed with SIGKILL for 3 seconds',
      definitions,
      system.topology,
    ),
  );
  const [post] = server.calls('POST');
  assert.equal(post?.path, `${CHAOS}/shop/podchaos`);
  const spec = (post!.body as unknown as ChaosObject).spec;
  assert.deepEqual([spec.action, spec.mode, spec.value, spec.duration], ['pod-failure', 'fixed', '2', '3s']);
  assert.equal(record.plannedMs, 3000);
  await ledger.rollback();
  // The topology's words are checked, as the step checks them; a fault with no equivalent is refused.
  assert.throws(
    () =>
      chaosFaultOfText(target(), '5 of the workers are killed with SIGKILL', definitions, system.topology),
    /cannot strike 5 of 3 workers/,
  );
  assert.throws(
    () =>
      chaosFaultOfText(
        target(),
        'the workers are split into two halves for 2 seconds',
        definitions,
        system.topology,
      ),
    /no Chaos Mesh equivalent for split brain/,
  );
  assert.equal(server.calls('POST').length, 1);
});

test('a fault Chaos Mesh could not inject fails as having no effect, and what was created is removed', async () => {
  server.requests.length = 0;
  // The pods vanish between the blast-radius check and the injection (a rollout): nothing is selected.
  const vanishing: ChaosApi = {
    ...api,
    server: api.server,
    async create(object) {
      const kept = server.pods.filter((p) => p.labels.app !== 'redis');
      server.pods.splice(0, server.pods.length, ...kept);
      await api.create(object);
    },
  };
  const t = kubernetesTarget(config, { api: vanishing, pollMs: 5, timeoutMs: 2_000 });
  const ledger = new FaultLedger();
  await assert.rejects(
    ledger.inject(
      t.fault(
        { family: 'store', action: 'stopped', aim: { name: 'redis', mode: 'all' } },
        about('redis stopped'),
      ),
    ),
    /the fault had no effect: PodChaos shop-data\/.* selected no target/,
  );
  assert.deepEqual(await ledger.rollback(), []);
  assert.equal(server.calls('DELETE').length, 1);
  assert.equal(server.objects.size, 0);
  server.pods.push({ name: 'redis-0', namespace: 'shop-data', labels: { app: 'redis', ...optIn } });
});

test('the start-of-run sweep deletes only the objects of dead runs on this host', async () => {
  server.requests.length = 0;
  const object = (name: string, namespace: string, owner: string) => ({
    apiVersion: 'chaos-mesh.org/v1alpha1',
    kind: 'PodChaos',
    metadata: {
      name,
      namespace,
      labels: { 'faultline.run': 'someone' },
      annotations: { 'faultline.owner': owner },
    },
    spec: {
      action: 'pod-kill',
      mode: 'one',
      selector: { namespaces: [namespace], labelSelectors: { app: 'worker' } },
    },
  });
  server.seed('podchaos', object('dead-run', 'shop', `${hostname()}:999999999:1`));
  server.seed('podchaos', object('live-run', 'shop', formatOwner(self)));
  server.seed('podchaos', object('other-host', 'shop-data', 'elsewhere.example:1:1'));
  const swept = await target().sweep();
  assert.deepEqual(swept.removed, [`PodChaos shop/dead-run: owner ${hostname()}:999999999:1 is gone`]);
  assert.equal(swept.kept, 2);
  assert.deepEqual(
    server.calls('DELETE').map((r) => r.path),
    [`${CHAOS}/shop/podchaos/dead-run`],
  );
  // Every kind in every allow-listed namespace was listed by the run label.
  const lists = server.calls('GET', CHAOS);
  assert.equal(lists.length, 2 * 7);
  assert.ok(lists.every((r) => r.query.labelSelector === 'faultline.run'));
  assert.ok(lists.some((r) => r.path === `${CHAOS}/shop-data/timechaos`));
  for (const key of [...server.objects.keys()]) server.objects.delete(key);
});

test('load and probes reach a service through the URL the config gives', () => {
  assert.equal(target().url('controller'), 'http://controller.shop.example:8080');
  assert.throws(
    () => target().url('redis'),
    /kubernetes\.services\.redis\.url: the harness reaches redis through a URL/,
  );
});

test('the environment: sweep once, pods of every mapped service, URLs, clear errors for what a cluster lacks, cleanup of this run', async () => {
  server.requests.length = 0;
  const topology = { name: 'reference-platform', services: [], links: [], probes: {} };
  const log: string[] = [];
  const mapped = { ...config, services: { ...kubernetes.services } };
  const env = await kubernetesEnvironment(topology, mapped, { api, log: (l) => log.push(l) });
  assert.equal(env.backend, 'kubernetes');
  // Every mapped service's pods were looked for (a deployment that is not there is no steady state).
  const looked = server.calls('GET', '/api/v1/').map((r) => r.query.labelSelector);
  assert.ok(looked.includes('app=redis') && looked.includes('app=worker'), looked.join(' '));
  assert.deepEqual(env.endpoint('controller'), { host: 'controller.shop.example', port: 8080 });
  assert.deepEqual(await env.toxiproxy.proxies(), []);
  assert.throws(
    () => env.linkEndpoint('controller', 'redis'),
    /the link controller → redis does not exist on the kubernetes backend: .*NetworkChaos/,
  );
  assert.throws(
    () => env.control('redis').alive(),
    /process control of redis does not exist on the kubernetes backend: .*PodChaos/,
  );
  // A chaos object this run left behind is named by the after-rollback inspection and removed by down().
  const ledger = new FaultLedger();
  await ledger.inject(
    env.chaos.fault(
      { family: 'process', action: 'restart', aim: { name: 'controller', mode: 'all' } },
      about('restart'),
    ),
  );
  const [left] = await env.inspect!();
  assert.match(left ?? '', /^PodChaos shop\/fl-.* is still in the cluster/);
  await env.down();
  assert.deepEqual(await env.inspect!(), []);
  assert.equal(server.objects.size, 0);
  await ledger.rollback();
  // A service whose pods are not there refuses the environment, naming it.
  await assert.rejects(
    kubernetesEnvironment(topology, config, { api, log: () => {} }),
    /no pods for ghost \(app=ghost in shop\); faultline does not deploy/,
  );
});
