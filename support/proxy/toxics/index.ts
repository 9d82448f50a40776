// The toxic registry: every type the API accepts. Upstream's eight first, then faultline's extensions.

import { bandwidth } from './bandwidth.ts';
import { corrupt } from './corrupt.ts';
import { latency } from './latency.ts';
import { limitData } from './limit-data.ts';
import { noop } from './noop.ts';
import { packetLoss } from './packet-loss.ts';
import { resetPeer } from './reset-peer.ts';
import { slicer } from './slicer.ts';
import { slowClose } from './slow-close.ts';
import { timeout } from './timeout.ts';
import type { Attributes, ToxicKind } from './types.ts';

const kinds: readonly ToxicKind[] = [
  latency,
  bandwidth,
  slowClose,
  timeout,
  resetPeer,
  slicer,
  limitData,
  noop,
  packetLoss,
  corrupt,
];

const byType = new Map<string, ToxicKind<Attributes>>(kinds.map((kind) => [kind.type, kind]));

export function toxicKind(type: string): ToxicKind | undefined {
  return byType.get(type);
}

export function toxicTypes(): string[] {
  return [...byType.keys()];
}
