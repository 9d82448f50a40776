import { type KubernetesConfig, KubernetesConfigError } from '../env/kubernetes/config.ts';
import type { FaultShape, NetworkEffect, StruckLink } from '../faults/shape.ts';
import {
  ANNOTATION,
  API_VERSION,
  type ChaosKind,
  type ChaosObject,
  dnsLabel,
  goDuration,
  type PodSelector,
} from './objects.ts';
import { aimed, podSelector } from './select.ts';

// faultline's fault catalogue in Chaos Mesh's words: one fault shape (support/faults/shape.ts, the same
// description the plan prints) → the chaos objects that do the same thing in a cluster. Where Chaos Mesh has
// nothing that does what faultline's fault does, translation throws NoChaosMeshEquivalent saying why and what
// would translate: a fault is never dropped or silently replaced by a different one.

export class NoChaosMeshEquivalent extends Error {
  override name = 'NoChaosMeshEquivalent';
}

/** What every object of one fault carries: its name stem, labels (owner, scenario) and description. */
export interface Naming {
  /** Stem of the objects' names (a DNS-1123 label); each object appends its kind and index. */
  name: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  /** The fault as faultline describes it (annotated on each object). */
  description: string;
}

const none = (what: string, why: string) =>
  new NoChaosMeshEquivalent(`no Chaos Mesh equivalent for ${what}: ${why}`);

export function translate(shape: FaultShape, config: KubernetesConfig, naming: Naming): ChaosObject[] {
  const duration = shape.durationMs === undefined ? {} : { duration: goDuration(shape.durationMs) };
  const specs = specsOf(shape, config).map(({ kind, namespace, spec, note }) => ({
    kind,
    namespace,
    note,
    spec: { ...spec, ...duration },
  }));
  return specs.map(({ kind, namespace, spec, note }, i) => ({
    apiVersion: API_VERSION,
    kind,
    metadata: {
      name: `${naming.name}-${kind.toLowerCase()}${specs.length > 1 ? `-${i + 1}` : ''}`,
      namespace,
      labels: naming.labels,
      annotations: {
        ...naming.annotations,
        [ANNOTATION.fault]: naming.description,
        ...(note ? { [ANNOTATION.translation]: note } : {}),
      },
    },
    spec,
  }));
}

interface Spec {
  kind: ChaosKind;
  namespace: string;
  spec: Record<string, unknown>;
  /** Where the chaos object does not do exactly what faultline's fault does: said on the object. */
  note?: string;
}

function specsOf(shape: FaultShape, config: KubernetesConfig): Spec[] {
  switch (shape.family) {
    case 'network':
      return shape.links.map((link) => networkChaos(shape.effect, link, config));
    case 'process':
      return [podChaos(shape, config)];
    case 'dns': {
      if (shape.failure !== 'SERVFAIL')
        throw none(
          `DNS ${shape.failure}`,
          `DNSChaos answers a failed lookup with SERVFAIL only (action "error") and never drops a query; write "fail with SERVFAIL"`,
        );
      const { spec, placement } = aimed(config, shape.vantage);
      // The name as the cluster's DNS sees it: the Service's short name and every qualified form of it.
      return [
        {
          kind: 'DNSChaos',
          namespace: placement.namespace,
          spec: { action: 'error', patterns: [shape.name, `${shape.name}.*`], ...spec },
          note: `assumes the Kubernetes Service of ${shape.name} is named ${shape.name}`,
        },
      ];
    }
    case 'certificate': {
      if (shape.problem !== 'expires' || shape.expiresInMs === undefined)
        throw none(
          `a certificate that is ${shape.problem}`,
          `Chaos Mesh cannot issue or swap certificates; only a clock shift (TimeChaos) makes a valid certificate expire: write "the certificate of N of the …'s … expires in 10 seconds"`,
        );
      // The members' clocks jump past the expiry (plus a second): their certificate is expired by the
      // clock they check it with, which is what renewal logic reads.
      return [
        {
          ...timeChaos(shape.aim, shape.expiresInMs + 1000, config),
          note: `the clock jumps ${goDuration(shape.expiresInMs + 1000)} ahead at once: the certificate is expired from the start, not after ${goDuration(shape.expiresInMs)}`,
        },
      ];
    }
    case 'server certificate':
      throw none(
        `${shape.aim.name} presenting a certificate that is ${shape.problem}`,
        `Chaos Mesh cannot issue or swap a service's TLS certificate (its Secret, its cert-manager Certificate); a TimeChaos on its clients would make every certificate they check look expired, not this one. Run it on the local or containers backend, or as a process action (faultline fault "<step>")`,
      );
    case 'clock':
      return [timeChaos(shape.aim, shape.offsetMs, config)];
    case 'store':
      if (shape.action !== 'stopped')
        throw none(
          `a store fault (${shape.action})`,
          `it acts through the store's own protocol (keys, connections, settings), which Chaos Mesh does not speak; only "X is stopped" (PodChaos pod-failure) translates`,
        );
      return [podFailure(shape.aim, config)];
    case 'replica':
      if (shape.action !== 'fails')
        throw none(
          'a promotion of a replica',
          'promoting a replica is the database operator’s work, not a chaos object; "N of the … replicas fail" translates (PodChaos pod-failure)',
        );
      return [podFailure(shape.aim, config)];
    case 'resource': {
      if (!shape.cpu && !shape.memory)
        throw none('a resource fault without a stressor', 'give a CPU or a memory load');
      const { spec, placement } = aimed(config, shape.aim);
      const stressors: Record<string, unknown> = {};
      if (shape.cpu) stressors.cpu = { workers: shape.cpu.workers, load: shape.cpu.loadPercent };
      if (shape.memory)
        stressors.memory = {
          workers: shape.memory.workers,
          size: `${Math.ceil(shape.memory.bytes / 1e6)}MB`,
        };
      return [
        {
          kind: 'StressChaos',
          namespace: placement.namespace,
          spec: { stressors, ...containers(placement.container), ...spec },
        },
      ];
    }
    case 'disk': {
      const { spec, placement } = aimed(config, shape.aim);
      if (!placement.volumePath)
        throw new KubernetesConfigError(
          `kubernetes.services.${shape.aim.name}.volumePath: a disk fault acts on one volume of the pod; give its mount path, e.g. volumePath: "/var/lib/data"`,
        );
      const action =
        shape.action === 'latency'
          ? { action: 'latency', delay: goDuration(shape.delayMs ?? 0) }
          : { action: 'fault', errno: shape.errno ?? 5 };
      return [
        {
          kind: 'IOChaos',
          namespace: placement.namespace,
          spec: {
            ...action,
            volumePath: placement.volumePath,
            ...(shape.path ? { path: shape.path } : {}),
            ...(shape.percent === undefined ? {} : { percent: shape.percent }),
            ...containers(placement.container),
            ...spec,
          },
        },
      ];
    }
    case 'http': {
      const { spec, placement } = aimed(config, shape.aim);
      if (placement.port === undefined)
        throw new KubernetesConfigError(
          `kubernetes.services.${shape.aim.name}.port: an HTTP fault acts on the port the service serves on inside its pod; give it, e.g. port: 8080`,
        );
      const effect: Record<string, unknown> = {};
      if (shape.abort) effect.abort = true;
      if (shape.delayMs !== undefined) effect.delay = goDuration(shape.delayMs);
      if (shape.status !== undefined) {
        if (shape.on !== 'Response')
          throw none('a status code on requests', 'Chaos Mesh replaces status codes of responses only');
        effect.replace = { code: shape.status };
      }
      if (Object.keys(effect).length === 0)
        throw none('an HTTP fault with no effect', 'give an abort, a delay or a status code');
      return [
        {
          kind: 'HTTPChaos',
          namespace: placement.namespace,
          spec: {
            target: shape.on,
            port: placement.port,
            path: shape.path ?? '*',
            ...(shape.method ? { method: shape.method } : {}),
            ...effect,
            ...spec,
          },
        },
      ];
    }
  }
}

const containers = (container: string | undefined) => (container ? { containerNames: [container] } : {});

function networkChaos(effect: NetworkEffect, link: StruckLink, config: KubernetesConfig): Spec {
  const { spec, placement } = aimed(config, link.struck);
  const peer: PodSelector = podSelector(config, link.peer).selector;
  const a = effect.toxic.attributes;
  const percent = (p: number | undefined) => String(Number(((p ?? 0) * 100).toFixed(4)));
  let action: Record<string, unknown>;
  switch (effect.kind) {
    case 'unreachable':
      action = { action: 'partition' };
      break;
    case 'latency':
    case 'latency bomb':
      // A bomb is latency ± jitter in faultline's proxy too (effects.ts): the same two numbers.
      action = {
        action: 'delay',
        delay: { latency: `${a.latency}ms`, ...(a.jitter ? { jitter: `${a.jitter}ms` } : {}) },
      };
      break;
    case 'packet loss':
      action = { action: 'loss', loss: { loss: percent(a.probability) } };
      break;
    case 'corruption':
      action = { action: 'corrupt', corrupt: { corrupt: percent(a.probability) } };
      break;
    case 'duplicate':
      action = { action: 'duplicate', duplicate: { duplicate: percent(a.probability) } };
      break;
    case 'bandwidth':
      // faultline's rate is KB/s with 1 KB = 1000 B; tc's "kbps" is the same unit (kilobytes per second).
      // limit/buffer: the queue and bucket sizes Chaos Mesh's own examples use.
      action = {
        action: 'bandwidth',
        bandwidth: { rate: `${a.rate}kbps`, limit: 20_971_520, buffer: 10_000 },
      };
      break;
    default:
      throw none(
        `${effect.label} (${effect.kind})`,
        NETWORK_GAPS[effect.kind] ?? 'Chaos Mesh has no such network action',
      );
  }
  return {
    kind: 'NetworkChaos',
    namespace: placement.namespace,
    spec: { ...action, direction: link.direction, ...spec, target: { selector: peer, mode: 'all' } },
    ...(NETWORK_NOTES[effect.kind] ? { note: NETWORK_NOTES[effect.kind] } : {}),
  };
}

/** Where NetworkChaos does the effect a little differently from faultline's proxy. */
const NETWORK_NOTES: Record<string, string> = {
  'latency bomb':
    'netem draws the delay per packet (latency ± jitter), faultline per chunk of a connection: the same range, a different grain',
  'packet loss': 'netem drops packets (TCP resends them); faultline drops chunks of the stream',
  corruption: 'netem corrupts packets (checksums catch most); faultline corrupts bytes of the stream',
  bandwidth: 'a token bucket (limit 20 MiB queued, 10 kB burst) on the struck side',
};

/** Why each proxy-only network effect has no NetworkChaos action. */
const NETWORK_GAPS: Record<string, string> = {
  refused:
    'NetworkChaos drops, delays or mangles packets but never answers them with a TCP reset; "unreachable" (partition) translates',
  slicer: 'NetworkChaos works on packets, not on the byte stream: it cannot re-slice what a service sends',
  'slow close': 'NetworkChaos cannot hold back a connection’s close',
  'cut after bytes': 'NetworkChaos cannot cut a connection after a number of bytes',
  flap: 'one chaos object holds a fault for one window; repeating it needs a Chaos Mesh Schedule, which faultline does not emit',
};

function podChaos(shape: Extract<FaultShape, { family: 'process' }>, config: KubernetesConfig): Spec {
  const timed = shape.durationMs !== undefined;
  switch (shape.action) {
    case 'kill': {
      // SIGKILL "for 4 s" keeps it down that long: pod-failure. Without a duration the container is
      // killed and Kubernetes restarts it, as faultline restarts the process at rollback.
      if (timed) return podFailure(shape.aim, config);
      const { spec, placement } = aimed(config, shape.aim);
      if (!placement.container)
        throw new KubernetesConfigError(
          `kubernetes.services.${shape.aim.name}.container: container-kill needs the container to kill; give its name, e.g. container: "app"`,
        );
      return {
        kind: 'PodChaos',
        namespace: placement.namespace,
        spec: { action: 'container-kill', containerNames: [placement.container], ...spec },
        note: "the kubelet restarts the container by the pod's restartPolicy, not faultline at rollback",
      };
    }
    case 'stop':
    case 'restart': {
      if (shape.action === 'stop' && timed)
        throw none(
          'SIGTERM for a while',
          'pod-kill stops a pod gracefully but its controller starts a new one at once; write "is stopped with SIGTERM" (pod-kill) or "is killed with SIGKILL for …" (pod-failure, down for that long)',
        );
      const { spec, placement } = aimed(config, shape.aim);
      // 30 s: Kubernetes' default grace period, so the pod sees SIGTERM before SIGKILL as a graceful stop.
      return {
        kind: 'PodChaos',
        namespace: placement.namespace,
        spec: { action: 'pod-kill', gracePeriod: 30, ...spec },
      };
    }
    case 'pause':
      throw none(
        'a paused process (SIGSTOP)',
        'Chaos Mesh cannot freeze a process; pod-failure takes it down instead, which is a different fault: write "is killed with SIGKILL for …" if that is what you mean',
      );
    case 'monkey':
      throw none(
        'a chaos monkey',
        'one chaos object kills once; repeated kills need a Chaos Mesh Schedule, which faultline does not emit',
      );
    case 'in-flight':
      throw none(
        'a kill in the middle of a request',
        'Chaos Mesh cannot time a kill to a request the harness sent',
      );
  }
}

function podFailure(aim: Parameters<typeof aimed>[1], config: KubernetesConfig): Spec {
  const { spec, placement } = aimed(config, aim);
  return { kind: 'PodChaos', namespace: placement.namespace, spec: { action: 'pod-failure', ...spec } };
}

function timeChaos(aim: Parameters<typeof aimed>[1], offsetMs: number, config: KubernetesConfig): Spec {
  const { spec, placement } = aimed(config, aim);
  const sign = offsetMs < 0 ? '-' : '';
  return {
    kind: 'TimeChaos',
    namespace: placement.namespace,
    spec: {
      timeOffset: `${sign}${goDuration(Math.abs(offsetMs))}`,
      ...containers(placement.container),
      ...spec,
    },
  };
}

/** A name stem from a scenario and a fault's position in it: "partition-under-load-2". */
export const stemOf = (scenario: string, index: number): string => `${dnsLabel(scenario, 40)}-${index}`;
