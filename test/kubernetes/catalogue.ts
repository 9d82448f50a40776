import { BLACK_HOLE } from '../../support/faults/network/partition.ts';
import type { Aim, FaultShape, NetworkEffect } from '../../support/faults/shape.ts';

// Every fault kind faultline translates to Chaos Mesh, as the shapes the plan produces, in each mode — the
// catalogue the manifest tests validate against the CRD schemas. (Shapes of the plan's own meanings are
// covered by the plan --emit test over the repository's features.)

const net = (kind: string, toxic: NetworkEffect['toxic'], label = kind): NetworkEffect => ({
  kind,
  label,
  toxic,
});

export const EFFECTS: Record<string, NetworkEffect> = {
  partition: net('unreachable', BLACK_HOLE, 'black hole'),
  delay: net('latency', { type: 'latency', attributes: { latency: 300, jitter: 0 } }),
  'delay with jitter': net('latency', { type: 'latency', attributes: { latency: 300, jitter: 100 } }),
  'latency bomb': net('latency bomb', { type: 'latency', attributes: { latency: 1005, jitter: 995 } }),
  loss: net('packet loss', { type: 'packet_loss', attributes: { probability: 0.05, burst: 0 } }),
  bandwidth: net('bandwidth', { type: 'bandwidth', attributes: { rate: 16 } }),
  corrupt: net('corruption', { type: 'corrupt', attributes: { probability: 0.01 } }),
  duplicate: net('duplicate', { type: 'duplicate', attributes: { probability: 0.02 } }),
};

export const AIMS: Record<Aim['mode'], Aim> = {
  all: { name: 'workers', mode: 'all' },
  one: { name: 'workers', mode: 'one' },
  fixed: { name: 'workers', mode: 'fixed', count: 2 },
  'fixed-percent': { name: 'workers', mode: 'fixed-percent', percent: 50 },
};

/** name → shape: every translatable fault kind, every network direction, every mode. */
export function catalogue(): Record<string, FaultShape> {
  const out: Record<string, FaultShape> = {};
  for (const [name, effect] of Object.entries(EFFECTS))
    for (const direction of ['to', 'from', 'both'] as const)
      out[`network ${name} ${direction}`] = {
        family: 'network',
        effect,
        links: [{ struck: { name: 'redis', mode: 'all' }, peer: 'controller', direction }],
        durationMs: 3000,
      };
  for (const [mode, aim] of Object.entries(AIMS)) {
    out[`network partition, ${mode} of the workers`] = {
      family: 'network',
      effect: EFFECTS.partition!,
      links: [{ struck: aim, peer: 'controller', direction: 'both' }],
    };
    out[`SIGKILL ${mode}`] = { family: 'process', action: 'kill', aim };
    out[`SIGKILL for 4 s ${mode}`] = { family: 'process', action: 'kill', aim, durationMs: 4000 };
    out[`SIGTERM ${mode}`] = { family: 'process', action: 'stop', aim };
    out[`restart ${mode}`] = { family: 'process', action: 'restart', aim };
    out[`certificate expiry ${mode}`] = { family: 'certificate', problem: 'expires', expiresInMs: 3000, aim };
    out[`clock ${mode}`] = { family: 'clock', offsetMs: -90_000, aim };
    out[`cpu ${mode}`] = { family: 'resource', aim, cpu: { workers: 2, loadPercent: 80 }, durationMs: 5000 };
    out[`http abort ${mode}`] = { family: 'http', aim, on: 'Request', path: '/convert', abort: true };
  }
  out['DNS SERVFAIL'] = {
    family: 'dns',
    vantage: { name: 'controller', mode: 'all' },
    name: 'postgres',
    failure: 'SERVFAIL',
    durationMs: 3000,
  };
  out['redis stopped'] = {
    family: 'store',
    action: 'stopped',
    aim: { name: 'redis', mode: 'all' },
    durationMs: 3000,
  };
  out['replica fails'] = {
    family: 'replica',
    action: 'fails',
    aim: { name: 'postgres-replicas', mode: 'one' },
    durationMs: 3000,
  };
  out.memory = {
    family: 'resource',
    aim: { name: 'redis', mode: 'all' },
    memory: { workers: 1, bytes: 256e6 },
  };
  out['cpu and memory'] = {
    family: 'resource',
    aim: { name: 'controller', mode: 'all' },
    cpu: { workers: 1, loadPercent: 100 },
    memory: { workers: 2, bytes: 64e6 },
  };
  out['disk latency'] = {
    family: 'disk',
    aim: { name: 'postgres', mode: 'all' },
    action: 'latency',
    delayMs: 100,
    path: '/var/lib/postgresql/data/**/*',
    percent: 50,
  };
  out['disk error'] = { family: 'disk', aim: { name: 'redis', mode: 'all' }, action: 'error', errno: 28 };
  out['http delay on responses'] = {
    family: 'http',
    aim: { name: 'controller', mode: 'all' },
    on: 'Response',
    method: 'POST',
    delayMs: 2000,
    durationMs: 5000,
  };
  out['http status on responses'] = {
    family: 'http',
    aim: { name: 'controller', mode: 'all' },
    on: 'Response',
    status: 503,
  };
  return out;
}
