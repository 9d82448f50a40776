import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHAOS_KINDS, type ChaosObject } from '../../support/chaos-mesh/objects.ts';
import { allowedNamespace, BlastRadiusError, modeOf } from '../../support/chaos-mesh/select.ts';
import { NoChaosMeshEquivalent, translate } from '../../support/chaos-mesh/translate.ts';
import { EMBEDDED, workflowOf } from '../../support/chaos-mesh/workflow.ts';
import { type KubernetesConfig, kubernetesConfig } from '../../support/env/kubernetes/config.ts';
import type { FaultShape } from '../../support/faults/shape.ts';
import { AIMS, catalogue, EFFECTS } from './catalogue.ts';
import { crdValidators, schemaErrors } from './crds.ts';
import { kubernetes } from './fixtures/faultline.config.ts';

// The translation of every fault kind of the catalogue into Chaos Mesh objects, each validated against its
// CRD's openAPIV3Schema, and each blast-radius control on its own. No cluster: what a cluster's API server
// would accept is what the CRD schema says.

const config: KubernetesConfig = kubernetesConfig(kubernetes);
const naming = { name: 'fl-test-1', labels: { 'faultline.run': 'abc123' }, description: 'a test fault' };
const one = (shape: FaultShape): ChaosObject => {
  const objects = translate(shape, config, naming);
  assert.equal(objects.length, 1);
  return objects[0]!;
};
const spec = (shape: FaultShape) => one(shape).spec as Record<string, unknown>;

test('every translatable fault kind, direction and mode yields manifests the CRD schemas accept', () => {
  const { object, dir } = crdValidators();
  const kinds = new Set<string>();
  const modes = new Set<string>();
  const shapes = catalogue();
  for (const [name, shape] of Object.entries(shapes))
    for (const manifest of translate(shape, config, naming)) {
      kinds.add(manifest.kind);
      modes.add(String(manifest.spec.mode));
      assert.deepEqual(
        schemaErrors(object[manifest.kind], manifest),
        [],
        `${name} (${manifest.kind}) against ${dir}`,
      );
    }
  assert.deepEqual(
    [...kinds].sort(),
    [...CHAOS_KINDS].sort(),
    'every Chaos Mesh kind faultline emits was checked',
  );
  assert.deepEqual([...modes].sort(), ['all', 'fixed', 'fixed-percent', 'one']);
  assert.ok(Object.keys(shapes).length > 50);
});

test('the schema check is real: a manifest the CRD forbids is refused', () => {
  const { object } = crdValidators();
  const manifest = one({ family: 'process', action: 'restart', aim: AIMS.one });
  assert.deepEqual(schemaErrors(object.PodChaos, manifest), []);
  const bad = { ...manifest, spec: { ...manifest.spec, mode: 'some', action: 'pod-explode' } };
  const errors = schemaErrors(object.PodChaos, bad);
  assert.ok(
    errors.some((e) => e.includes('/spec/mode')),
    errors.join('\n'),
  );
  assert.ok(
    errors.some((e) => e.includes('/spec/action')),
    errors.join('\n'),
  );
  const noSelector = { ...manifest, spec: { action: 'pod-kill', mode: 'all' } };
  assert.ok(schemaErrors(object.PodChaos, noSelector).some((e) => e.includes('selector')));
});

test('network faults: action, figures, direction and the peer as target', () => {
  const link = (effect: keyof typeof EFFECTS, direction: 'to' | 'from' | 'both' = 'to') =>
    spec({
      family: 'network',
      effect: EFFECTS[effect]!,
      links: [{ struck: { name: 'redis', mode: 'all' }, peer: 'controller', direction }],
    });
  assert.equal(link('partition', 'both').action, 'partition');
  assert.equal(link('partition', 'both').direction, 'both');
  assert.deepEqual(link('delay').delay, { latency: '300ms' });
  assert.deepEqual(link('delay with jitter').delay, { latency: '300ms', jitter: '100ms' });
  assert.deepEqual(link('latency bomb').delay, { latency: '1005ms', jitter: '995ms' });
  assert.deepEqual(link('loss').loss, { loss: '5' });
  assert.deepEqual(link('corrupt').corrupt, { corrupt: '1' });
  assert.deepEqual(link('duplicate').duplicate, { duplicate: '2' });
  assert.deepEqual(link('bandwidth').bandwidth, { rate: '16kbps', limit: 20_971_520, buffer: 10_000 });
  const partition = link('partition', 'from');
  assert.equal(partition.direction, 'from');
  assert.deepEqual(partition.selector, {
    namespaces: ['shop-data'],
    labelSelectors: { app: 'redis', 'chaos-ready': 'true' },
  });
  assert.deepEqual(partition.target, {
    selector: { namespaces: ['shop'], labelSelectors: { app: 'controller', 'chaos-ready': 'true' } },
    mode: 'all',
  });
  // One object per link, in the struck side's namespace.
  const two = translate(
    {
      family: 'network',
      effect: EFFECTS.partition!,
      links: [
        { struck: { name: 'redis', mode: 'all' }, peer: 'controller', direction: 'both' },
        { struck: { name: 'redis', mode: 'all' }, peer: 'workers', direction: 'both' },
      ],
      durationMs: 2500,
    },
    config,
    naming,
  );
  assert.deepEqual(
    two.map((o) => o.metadata.name),
    ['fl-test-1-networkchaos-1', 'fl-test-1-networkchaos-2'],
  );
  assert.deepEqual(
    two.map((o) => [o.metadata.namespace, o.spec.duration]),
    [
      ['shop-data', '2500ms'],
      ['shop-data', '2500ms'],
    ],
  );
});

test('process, DNS, certificate, clock, store, replica, resource, disk and HTTP faults', () => {
  assert.deepEqual(spec({ family: 'process', action: 'kill', aim: AIMS.fixed! }), {
    action: 'container-kill',
    containerNames: ['worker'],
    selector: { namespaces: ['shop'], labelSelectors: { app: 'worker', 'chaos-ready': 'true' } },
    mode: 'fixed',
    value: '2',
  });
  const timedKill = spec({ family: 'process', action: 'kill', aim: AIMS.one!, durationMs: 4000 });
  assert.deepEqual([timedKill.action, timedKill.duration, timedKill.mode], ['pod-failure', '4s', 'one']);
  assert.deepEqual(
    [
      spec({ family: 'process', action: 'stop', aim: AIMS.all! }).action,
      spec({ family: 'process', action: 'stop', aim: AIMS.all! }).gracePeriod,
    ],
    ['pod-kill', 30],
  );
  const dns = one({
    family: 'dns',
    vantage: { name: 'controller', mode: 'all' },
    name: 'postgres',
    failure: 'SERVFAIL',
  });
  assert.deepEqual(
    [dns.kind, dns.spec.action, dns.spec.patterns],
    ['DNSChaos', 'error', ['postgres', 'postgres.*']],
  );
  const cert = one({ family: 'certificate', problem: 'expires', expiresInMs: 3000, aim: AIMS.one! });
  assert.deepEqual([cert.kind, cert.spec.timeOffset], ['TimeChaos', '4s']);
  assert.match(cert.metadata.annotations?.['faultline.translation'] ?? '', /expired from the start/);
  assert.equal(spec({ family: 'clock', offsetMs: -90_000, aim: AIMS.all! }).timeOffset, '-90s');
  assert.equal(
    spec({ family: 'store', action: 'stopped', aim: { name: 'redis', mode: 'all' } }).action,
    'pod-failure',
  );
  assert.equal(
    spec({ family: 'replica', action: 'fails', aim: { name: 'postgres-replicas', mode: 'one' } }).action,
    'pod-failure',
  );
  assert.deepEqual(
    spec({
      family: 'resource',
      aim: AIMS.all!,
      cpu: { workers: 2, loadPercent: 80 },
      memory: { workers: 1, bytes: 256e6 },
    }).stressors,
    {
      cpu: { workers: 2, load: 80 },
      memory: { workers: 1, size: '256MB' },
    },
  );
  const io = spec({ family: 'disk', aim: { name: 'redis', mode: 'all' }, action: 'latency', delayMs: 100 });
  assert.deepEqual([io.action, io.delay, io.volumePath], ['latency', '100ms', '/data']);
  assert.deepEqual(
    spec({ family: 'disk', aim: { name: 'redis', mode: 'all' }, action: 'error', errno: 28 }).errno,
    28,
  );
  const http = spec({
    family: 'http',
    aim: { name: 'controller', mode: 'all' },
    on: 'Response',
    status: 503,
  });
  assert.deepEqual([http.target, http.port, http.path, http.replace], ['Response', 8080, '*', { code: 503 }]);
});

test('modes: all / one / fixed N / fixed-percent N for "N of" and "N % of" a group; out-of-range refused', () => {
  assert.deepEqual(modeOf(AIMS.all!), { mode: 'all' });
  assert.deepEqual(modeOf(AIMS.one!), { mode: 'one' });
  assert.deepEqual(modeOf(AIMS.fixed!), { mode: 'fixed', value: '2' });
  assert.deepEqual(modeOf(AIMS['fixed-percent']!), { mode: 'fixed-percent', value: '50' });
  assert.throws(() => modeOf({ name: 'workers', mode: 'fixed', count: 0 }), /at least 1/);
  assert.throws(() => modeOf({ name: 'workers', mode: 'fixed-percent', percent: 150 }), /from 1 to 100/);
  assert.throws(() => modeOf({ name: 'workers', mode: 'fixed-percent', percent: 12.5 }), /whole percentage/);
});

test('blast radius: namespace allow-list, system namespaces, the opt-in label in every selector', () => {
  // The config refuses a system namespace on the allow-list and a service outside it, naming the key.
  assert.throws(
    () => kubernetesConfig({ namespaces: ['shop', 'kube-system'], services: {} }),
    /kubernetes\.namespaces: kube-system is a system namespace/,
  );
  assert.throws(
    () =>
      kubernetesConfig({
        namespaces: ['shop'],
        services: { redis: { namespace: 'payments', selector: { app: 'redis' } } },
      }),
    /kubernetes\.services\.redis\.namespace: payments is not in the allow-list kubernetes\.namespaces \(shop\)/,
  );
  // Translation checks again (a config built by hand, not through kubernetesConfig).
  const loose = {
    namespaces: ['shop'],
    services: { redis: { namespace: 'chaos-mesh', selector: { app: 'redis' } } },
  };
  assert.throws(
    () =>
      translate({ family: 'store', action: 'stopped', aim: { name: 'redis', mode: 'all' } }, loose, naming),
    BlastRadiusError,
  );
  assert.throws(
    () => allowedNamespace(config, 'default', 'redis'),
    /not in the allow-list kubernetes\.namespaces \(shop, shop-data\)/,
  );
  for (const ns of ['kube-system', 'kube-public', 'kube-node-lease', 'chaos-mesh'])
    assert.throws(() => allowedNamespace({ ...config, namespaces: [ns] }, ns, 'x'), /system namespace/);
  // Every selector, the network target's too, demands the opt-in label; a selector contradicting it is refused.
  for (const shape of Object.values(catalogue()))
    for (const manifest of translate(shape, config, naming)) {
      const s = manifest.spec as {
        selector: { labelSelectors: Record<string, string> };
        target?: { selector: { labelSelectors: Record<string, string> } };
      };
      assert.equal(s.selector.labelSelectors['chaos-ready'], 'true');
      // (HTTPChaos's `target` is Request/Response, not a selector.)
      if (typeof s.target === 'object') assert.equal(s.target.selector.labelSelectors['chaos-ready'], 'true');
    }
  const contradict = kubernetesConfig({
    namespaces: ['shop'],
    services: { api: { namespace: 'shop', selector: { app: 'api', 'chaos-ready': 'false' } } },
  });
  assert.throws(
    () =>
      translate(
        { family: 'process', action: 'restart', aim: { name: 'api', mode: 'all' } },
        contradict,
        naming,
      ),
    /kubernetes\.services\.api\.selector: chaos-ready=false selects pods that did not opt in/,
  );
});

test('config mistakes name their key and what is accepted', () => {
  const bad = (value: unknown) => {
    try {
      kubernetesConfig(value);
    } catch (error) {
      return (error as Error).message;
    }
    assert.fail('accepted');
  };
  assert.match(bad(undefined), /has no kubernetes section/);
  assert.match(bad({ namespaces: [], services: {} }), /kubernetes\.namespaces: list at least one namespace/);
  assert.match(
    bad({ namespaces: ['Shop_1'], services: {} }),
    /kubernetes\.namespaces\[0\]: a namespace name/,
  );
  assert.match(
    bad({ namespaces: ['shop'], services: { redis: { namespace: 'shop', selector: {} } } }),
    /kubernetes\.services\.redis\.selector: an empty selector would match every pod/,
  );
  assert.match(
    bad({
      namespaces: ['shop'],
      services: { redis: { namespace: 'shop', selector: { app: 'redis' }, port: 70000 } },
    }),
    /kubernetes\.services\.redis\.port/,
  );
  assert.match(
    bad({
      namespaces: ['shop'],
      services: { redis: { namespace: 'shop', selector: { app: 'redis' }, colour: 'red' } },
    }),
    /kubernetes\.services\.redis: .*colour/,
  );
  assert.match(
    bad({
      namespaces: ['shop'],
      services: { redis: { namespace: 'shop', selector: { app: 'redis' }, url: 'not a url' } },
    }),
    /kubernetes\.services\.redis\.url: a URL/,
  );
  // Fields a fault needs are asked for by their key when the fault needs them.
  const bare = kubernetesConfig({
    namespaces: ['shop'],
    services: { api: { namespace: 'shop', selector: { app: 'api' } } },
  });
  assert.throws(
    () => translate({ family: 'process', action: 'kill', aim: { name: 'api', mode: 'all' } }, bare, naming),
    /kubernetes\.services\.api\.container/,
  );
  assert.throws(
    () =>
      translate(
        { family: 'http', aim: { name: 'api', mode: 'all' }, on: 'Request', abort: true },
        bare,
        naming,
      ),
    /kubernetes\.services\.api\.port/,
  );
  assert.throws(
    () => translate({ family: 'disk', aim: { name: 'api', mode: 'all' }, action: 'error' }, bare, naming),
    /kubernetes\.services\.api\.volumePath/,
  );
  assert.throws(
    () =>
      translate(
        { family: 'process', action: 'restart', aim: { name: 'worker-7', mode: 'all' } },
        bare,
        naming,
      ),
    /kubernetes\.services has no entry for 'worker-7'.*mapped: api/,
  );
});

test('a fault with no Chaos Mesh equivalent is an error saying why, never dropped', () => {
  const gaps: [FaultShape, RegExp][] = [
    [
      {
        family: 'network',
        effect: {
          kind: 'refused',
          label: 'connections reset',
          toxic: { type: 'reset_peer', attributes: {} },
        },
        links: [{ struck: { name: 'redis', mode: 'all' }, peer: 'controller', direction: 'both' }],
      },
      /TCP reset/,
    ],
    [
      {
        family: 'network',
        effect: { kind: 'slicer', label: 'sliced', toxic: { type: 'slicer', attributes: {} } },
        links: [{ struck: { name: 'redis', mode: 'all' }, peer: 'controller', direction: 'to' }],
      },
      /byte stream/,
    ],
    [
      {
        family: 'network',
        effect: { kind: 'flap', label: 'flapping', toxic: { type: 'timeout', attributes: {} } },
        links: [{ struck: { name: 'redis', mode: 'all' }, peer: 'controller', direction: 'both' }],
      },
      /Schedule/,
    ],
    [{ family: 'process', action: 'pause', aim: AIMS.one! }, /cannot freeze a process/],
    [
      { family: 'process', action: 'stop', aim: AIMS.one!, durationMs: 2000 },
      /pod-kill stops a pod gracefully/,
    ],
    [{ family: 'process', action: 'monkey', aim: AIMS.one!, durationMs: 6000 }, /Schedule/],
    [{ family: 'process', action: 'in-flight', aim: AIMS.one! }, /cannot time a kill/],
    [
      { family: 'dns', vantage: { name: 'controller', mode: 'all' }, name: 'postgres', failure: 'NXDOMAIN' },
      /SERVFAIL only/,
    ],
    [
      { family: 'dns', vantage: { name: 'controller', mode: 'all' }, name: 'postgres', failure: 'no answer' },
      /never drops a query/,
    ],
    [{ family: 'certificate', problem: 'revoked', aim: AIMS.one! }, /cannot issue or swap certificates/],
    [
      { family: 'server certificate', problem: 'expired', aim: { name: 'controller', mode: 'all' } },
      /controller presenting a certificate that is expired: Chaos Mesh cannot issue or swap a service's TLS certificate/,
    ],
    [{ family: 'store', action: 'poisoned', aim: { name: 'redis', mode: 'all' } }, /store's own protocol/],
    [{ family: 'replica', action: 'promoted', aim: { name: 'postgres', mode: 'all' } }, /operator/],
    [
      { family: 'http', aim: { name: 'controller', mode: 'all' }, on: 'Request', status: 500 },
      /status codes of responses only/,
    ],
  ];
  for (const [shape, why] of gaps) {
    assert.throws(
      () => translate(shape, config, naming),
      (error: Error) => {
        assert.ok(error instanceof NoChaosMeshEquivalent, error.message);
        assert.match(error.message, /^no Chaos Mesh equivalent for /);
        assert.match(error.message, why);
        return true;
      },
    );
  }
});

test('a workflow runs the faults serially for their durations; its embedded specs pass their CRDs', () => {
  const { spec: specOf } = crdValidators();
  const objects = [
    ...translate(
      {
        family: 'network',
        effect: EFFECTS.delay!,
        links: [{ struck: AIMS.fixed!, peer: 'controller', direction: 'to' }],
        durationMs: 3000,
      },
      config,
      naming,
    ),
    ...translate({ family: 'process', action: 'kill', aim: AIMS.one! }, config, {
      ...naming,
      name: 'fl-test-2',
    }),
  ];
  const workflow = workflowOf('scenario-1', objects, { 'app.kubernetes.io/managed-by': 'faultline' }, 20_000);
  assert.equal(workflow.metadata.namespace, 'shop');
  const [entry, ...steps] = workflow.spec.templates;
  assert.deepEqual(entry, {
    name: 'scenario',
    templateType: 'Serial',
    children: ['networkchaos-1', 'podchaos-2'],
  });
  assert.deepEqual(
    steps.map((s) => [s.templateType, s.deadline]),
    [
      ['NetworkChaos', '3s'],
      ['PodChaos', '20s'],
    ],
  );
  assert.match(workflow.metadata.annotations?.['faultline.hold'] ?? '', /faults 2 hold until rollback/);
  // The Workflow CRD is not among the reference schemas: each embedded chaos spec is checked against its own.
  for (const step of steps) {
    if (step.templateType === 'Serial') continue;
    const embedded = (step as Record<string, unknown>)[EMBEDDED[step.templateType]];
    assert.ok(embedded, `${step.name} embeds its spec`);
    assert.equal(
      (embedded as { duration?: string }).duration,
      undefined,
      'the deadline holds it, not a duration',
    );
    assert.deepEqual(schemaErrors(specOf[step.templateType], embedded), [], step.name);
  }
});
