// A toxic as the API knows it: its identity, where it sits (stream) and how it is configured. One Toxic is
// shared by every connection of its proxy; each connection runs its own Stage (with its own state and
// random draws) for it.

import type { Attributes, ToxicKind } from './toxics/types.ts';

export type Direction = 'upstream' | 'downstream';

/** Upstream = client → server bytes; downstream = server → client bytes. Case-insensitive, like upstream. */
export function parseDirection(stream: string): Direction | undefined {
  const lower = stream.toLowerCase();
  return lower === 'upstream' || lower === 'downstream' ? lower : undefined;
}

export interface ToxicJson {
  attributes: Attributes;
  name: string;
  type: string;
  stream: string;
  toxicity: number;
}

export class Toxic {
  readonly name: string;
  readonly kind: ToxicKind;
  /** As sent by the client (upstream stores it verbatim, e.g. "UpStream"). */
  readonly stream: string;
  readonly direction: Direction;
  toxicity: number;
  attributes: Attributes;

  constructor(init: {
    name: string;
    kind: ToxicKind;
    stream: string;
    direction: Direction;
    toxicity: number;
    attributes: Attributes;
  }) {
    this.name = init.name;
    this.kind = init.kind;
    this.stream = init.stream;
    this.direction = init.direction;
    this.toxicity = init.toxicity;
    this.attributes = init.attributes;
  }

  toJSON(): ToxicJson {
    return {
      attributes: this.attributes,
      name: this.name,
      type: this.kind.type,
      stream: this.stream,
      toxicity: this.toxicity,
    };
  }
}
