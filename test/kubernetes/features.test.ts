import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCucumber } from '../features/cucumber-run.ts';
import { type FakeApiServer, fakeApiServer } from './api-server.ts';

// A real feature run by cucumber on FAULTLINE_BACKEND=kubernetes: the counter system (fixtures/counter),
// its api a small HTTP service this test starts and the config reaches by URL, its pods in a fake API
// server (api-server.ts) playing Kubernetes with Chaos Mesh. The fault steps' objects are POSTed with their
// kind, spec and owner labels; the verdicts are honest — the fake cluster injects nothing, so a kill the
// harness probes for is an invalid experiment ("had no effect"), and so is a partition the harness cannot
// see — unless the config accepts Chaos Mesh's status as the proof (kubernetes.proof: 'status'), when it
// passes on the status alone and says so; a step with no equivalent fails at its file:line with nothing applied;
// and every object is DELETEd by the end, also when a step throws.

const FEATURE = 'test/kubernetes/fixtures/features/counter.feature';
const CHAOS = '/apis/chaos-mesh.org/v1alpha1/namespaces/shop';
const optIn = { 'chaos-ready': 'true' };

let cluster: FakeApiServer;
let api: Server;
let apiUrl: string;
let dir: string;

before(async () => {
  cluster = await fakeApiServer({
    pods: [
      { name: 'counter-api-0', namespace: 'shop', labels: { app: 'counter-api', ...optIn } },
      { name: 'redis-0', namespace: 'shop', labels: { app: 'redis', ...optIn } },
    ],
  });
  // The api as the cluster would serve it: answers every request, whatever chaos objects say.
  api = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  dir = mkdtempSync(join(tmpdir(), 'faultline-test-k8s-features-'));
  writeFileSync(join(dir, 'kubeconfig'), cluster.kubeConfig().exportConfig());
});

after(async () => {
  await cluster.close();
  await new Promise((resolve) => api.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

interface Scenario {
  name: string;
  steps: {
    keyword: string;
    name?: string;
    result: { status: string; error_message?: string };
    embeddings?: { data: string; mime_type: string }[];
  }[];
}

/** What the scenario's steps attached as text (each fault step its description and evidence). */
const attached = (s: Scenario) =>
  s.steps
    .flatMap((step) => step.embeddings ?? [])
    .filter((e) => e.mime_type === 'text/plain')
    .map((e) => Buffer.from(e.data, 'base64').toString('utf8'))
    .join('\n');

interface Posted {
  kind: string;
  metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> };
  spec: {
    action: string;
    mode: string;
    selector: { labelSelectors: Record<string, string> };
    target?: { selector: { labelSelectors: Record<string, string> } };
  };
}

const failures = (s: Scenario) =>
  s.steps.filter((step) => step.result.status === 'failed').map((step) => step.result.error_message ?? '');

test('fault steps on kubernetes: Chaos Mesh objects through the ledger, honest verdicts, nothing left', {
  timeout: 60_000,
}, async (t) => {
  // One cucumber process per scenario would cost seconds each: all three in one run, told apart by name.
  const report = join(dir, 'all.json');
  const result = await runCucumber([FEATURE, '--format', `json:${report}`], {
    FAULTLINE_BACKEND: 'kubernetes',
    FAULTLINE_CONFIG: 'test/kubernetes/fixtures/counter.config.ts',
    FAULTLINE_REPORTS_DIR: join(dir, 'reports'),
    KUBECONFIG: join(dir, 'kubeconfig'),
    COUNTER_API_URL: apiUrl,
  }).done;
  const [feature] = JSON.parse(readFileSync(report, 'utf8')) as { elements: Scenario[] }[];
  const scenario = (prefix: string) => {
    const found = feature!.elements.find((e) => e.name.startsWith(prefix));
    assert.ok(found, `${prefix}: not in the report\n${result.output}`);
    return found;
  };
  const posted = cluster.calls('POST', CHAOS).map((r) => r.body as unknown as Posted);

  await t.test(
    'a partition under load: a NetworkChaos, and by default an invalid experiment, as no traffic proved it',
    () => {
      const s = scenario('Redis is cut off');
      const [failure, ...more] = failures(s);
      assert.equal(more.length, 0, result.output);
      assert.match(
        failure ?? '',
        /fault had no effect: not measured — the traffic between (api and redis|redis and api) never reaches the harness on kubernetes.*set kubernetes\.proof: 'status'/,
      );
      const partition = posted.find((b) => b.kind === 'NetworkChaos');
      assert.ok(partition, JSON.stringify(posted));
      assert.equal(partition.spec.action, 'partition');
      // One side selected, the other its target: api and redis, each only with the opt-in label.
      assert.deepEqual(
        [partition.spec.selector.labelSelectors, partition.spec.target?.selector.labelSelectors]
          .map((l) => JSON.stringify(l))
          .sort(),
        [
          { app: 'counter-api', ...optIn },
          { app: 'redis', ...optIn },
        ]
          .map((l) => JSON.stringify(l))
          .sort(),
      );
      assert.equal(partition.metadata.labels['app.kubernetes.io/managed-by'], 'faultline');
      assert.ok(partition.metadata.labels['faultline.run'], JSON.stringify(partition.metadata));
      assert.ok(partition.metadata.annotations['faultline.owner'], JSON.stringify(partition.metadata));
      assert.match(
        attached(s),
        /traffic: not measured — the traffic between (api and redis|redis and api) never reaches the harness on kubernetes/,
      );
    },
  );

  await t.test(
    'a kill the harness probes for, which the fake cluster never did: an invalid experiment',
    () => {
      const s = scenario('The api is killed');
      const kill = posted.find((b) => b.kind === 'PodChaos' && b.spec.action === 'pod-failure');
      assert.ok(kill, JSON.stringify(posted));
      assert.deepEqual(kill.spec.selector.labelSelectors, { app: 'counter-api', ...optIn });
      assert.equal(kill.spec.mode, 'all');
      const [failure, ...more] = failures(s);
      assert.equal(more.length, 0, result.output);
      assert.match(
        failure ?? '',
        /fault had no effect: \d+ http probe\(s\) of api at http:\/\/127\.0\.0\.1:\d+ while the fault held: every one answered/,
      );
    },
  );

  await t.test('no Chaos Mesh equivalent: the step fails at its file:line, nothing applied for it', () => {
    const s = scenario('A step with no Chaos Mesh equivalent');
    const [failure] = failures(s);
    assert.match(
      failure ?? '',
      /test\/kubernetes\/fixtures\/features\/counter\.feature:21: "api is paused for 1 second" on the kubernetes backend: no Chaos Mesh equivalent for a paused process/,
    );
    // Only the scenario's partition (held until rollback) and the two above: the pause POSTed nothing.
    assert.equal(posted.length, 3, JSON.stringify(posted.map((b) => [b.kind, b.spec.action])));
  });

  await t.test('every object created was deleted, also the one in place when a step threw', () => {
    const deleted = cluster.calls('DELETE', CHAOS).map((r) => r.path.split('/').pop());
    for (const body of posted)
      assert.ok(deleted.includes(body.metadata.name), `${body.metadata.name} not deleted`);
    assert.equal(cluster.objects.size, 0, [...cluster.objects.keys()].join(', '));
  });
  assert.notEqual(result.code, 0, 'every scenario must fail');
  assert.match(result.output, /3 scenarios \(3 failed\)/, result.output);

  await t.test(
    "with kubernetes.proof: 'status', the same partition passes on Chaos Mesh's status and says so",
    async () => {
      const trusting = join(dir, 'status.json');
      const run = await runCucumber([FEATURE, '--name', 'Redis is cut off', '--format', `json:${trusting}`], {
        FAULTLINE_BACKEND: 'kubernetes',
        FAULTLINE_CONFIG: 'test/kubernetes/fixtures/counter.config.ts',
        FAULTLINE_REPORTS_DIR: join(dir, 'reports-status'),
        KUBECONFIG: join(dir, 'kubeconfig'),
        COUNTER_API_URL: apiUrl,
        COUNTER_PROOF: 'status',
      }).done;
      const [only] = (JSON.parse(readFileSync(trusting, 'utf8')) as { elements: Scenario[] }[])[0]!.elements;
      assert.ok(only, run.output);
      assert.deepEqual(failures(only), [], run.output);
      assert.match(attached(only), /traffic: not measured — .*the proof is Chaos Mesh's status only/);
      assert.equal(cluster.objects.size, 0, [...cluster.objects.keys()].join(', '));
    },
  );
});
