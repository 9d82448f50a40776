import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { visibility, withTrafficProof } from '../../support/env/kubernetes/proof.ts';
import type { FaultSpec } from '../../support/faults/ledger.ts';
import type { FaultShape } from '../../support/faults/shape.ts';

// The traffic proof of a chaos fault on a cluster: which faults the harness can see from a service's URL,
// and the probes themselves against a real HTTP server — one that goes away while the fault holds (what a
// pod-failure does to a service) proves the fault; one that keeps answering does not.

const reach = (urls: Record<string, string>) => (service: string) => {
  const url = urls[service];
  if (!url) return { kind: 'http' as const };
  const { hostname, port } = new URL(url);
  return { url, endpoint: { host: hostname, port: Number(port) }, kind: 'http' as const };
};

test('which faults the harness can see from outside the cluster, and why not the others', () => {
  const urls = reach({ api: 'http://127.0.0.1:1', workers: 'http://127.0.0.1:2' });
  const kill: FaultShape = { family: 'process', action: 'kill', aim: { name: 'api', mode: 'all' } };
  assert.equal(visibility(kill, urls).seen, true);
  const stopped: FaultShape = { family: 'store', action: 'stop', aim: { name: 'api', mode: 'all' } };
  assert.equal(visibility(stopped, urls).seen, true);
  const one: FaultShape = { family: 'process', action: 'kill', aim: { name: 'workers', mode: 'one' } };
  assert.match(JSON.stringify(visibility(one, urls)), /only some of workers are struck/);
  const noUrl: FaultShape = { family: 'process', action: 'kill', aim: { name: 'redis', mode: 'all' } };
  assert.match(JSON.stringify(visibility(noUrl, urls)), /redis has no url in kubernetes.services/);
  const partition: FaultShape = {
    family: 'network',
    effect: { kind: 'partition', label: 'partition', toxic: { type: 'timeout', attributes: { timeout: 0 } } },
    links: [{ struck: { name: 'api', mode: 'all' }, peer: 'redis', direction: 'both' }],
  };
  assert.match(
    JSON.stringify(visibility(partition, urls)),
    /the traffic between api and redis never reaches the harness on kubernetes/,
  );
  const dns: FaultShape = {
    family: 'dns',
    vantage: { name: 'api', mode: 'all' },
    name: 'redis',
    failure: 'SERVFAIL',
  };
  assert.match(JSON.stringify(visibility(dns, urls)), /a dns fault acts inside the pods/);
});

function spec(events: string[]): FaultSpec {
  return {
    kind: 'process',
    description: 'api killed',
    targets: ['api'],
    apply: async () => {
      events.push('apply');
      return ['PodChaos injected'];
    },
    undo: async () => {
      events.push('undo');
    },
  };
}

async function listening(): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

test('probes of the URL while the fault holds: a service that went away proves it, one that answered does not', async () => {
  const up = await listening();
  const events: string[] = [];
  const seen = visibility(
    { family: 'process', action: 'kill', aim: { name: 'api', mode: 'all' } },
    reach({ api: up.url }),
  );
  const answered = withTrafficProof(spec(events), seen);
  assert.deepEqual(await answered.apply(), ['PodChaos injected']);
  await new Promise((r) => setTimeout(r, 300));
  const unfelt = await answered.felt!();
  assert.equal(unfelt.ok, false);
  assert.match(unfelt.evidence, /probe\(s\) of api at .* every one answered/);
  await answered.undo();
  assert.deepEqual(events, ['apply', 'undo']);

  // The same fault where the service really went down while it held.
  const down = withTrafficProof(spec([]), seen);
  await down.apply();
  await new Promise<void>((resolve) => up.server.close(() => resolve()));
  await new Promise((r) => setTimeout(r, 500));
  const felt = await down.felt!();
  assert.equal(felt.ok, true, felt.evidence);
  assert.match(felt.evidence, /unanswered \(connection error/);
  await down.undo();
});

test("a fault the harness cannot see: an invalid experiment by default, Chaos Mesh's status only when the config says so", async () => {
  const events: string[] = [];
  const seen = visibility(
    { family: 'process', action: 'kill', aim: { name: 'redis', mode: 'all' } },
    reach({}),
  );
  // The default (kubernetes.proof: 'traffic'): applied, saying it was not measured, and its traffic proof
  // fails — the scenario ends as an invalid experiment, never a pass over a fault nobody saw.
  const strict = withTrafficProof(spec(events), seen);
  assert.match((await strict.apply()).at(-1) ?? '', /^traffic: not measured — redis has no url/);
  const unproven = await strict.felt!();
  assert.equal(unproven.ok, false);
  assert.match(
    unproven.evidence,
    /nothing shows the system's traffic met it.*set kubernetes\.proof: 'status'/,
  );
  await strict.undo();
  // kubernetes.proof: 'status': the status is the proof, and the evidence says so.
  const trusting = withTrafficProof(spec(events), seen, 'status');
  assert.match(
    (await trusting.apply()).at(-1) ?? '',
    /redis has no url.*the proof is Chaos Mesh's status only/,
  );
  assert.equal(trusting.felt, undefined);
  assert.deepEqual(events, ['apply', 'undo', 'apply']);
});
