// Every random draw of the proxy (toxicity, jitter, slicing, loss, corruption) comes from a generator derived
// from one server seed, the proxy's name, the connection's ordinal, the direction and the toxic's name.
// Draws therefore depend only on *which* connection and toxic they belong to, never on how the event loop
// interleaved other connections, so a re-run with the same seed and the same traffic repeats every draw.
// sfc32: 128-bit state, fast on 32-bit integer maths, good statistical quality; not for cryptography.

export class Random {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    // splitmix32 spreads a small seed over the four state words so nearby seeds give unrelated streams.
    let s = seed >>> 0;
    const mix = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = mix();
    this.#b = mix();
    this.#c = mix();
    this.#d = mix();
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0;
    this.#d = (this.#d + 1) >>> 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) >>> 0;
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0;
    this.#c = (this.#c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [min, max); returns min when the range is empty. */
  int(min: number, max: number): number {
    if (max <= min) return min;
    return min + Math.floor(this.next() * (max - min));
  }

  /** An independent generator for a named purpose, seeded from this one's seed lineage, not its position. */
  static derive(seed: number, label: string): Random {
    return new Random(deriveSeed(seed, label));
  }
}

/** FNV-1a over the label, folded with the parent seed: a stable child seed per (seed, label). */
export function deriveSeed(seed: number, label: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= seed >>> 16;
  return Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
}

/** A seed for runs where none was given; it is logged so such a run can still be repeated. */
export function freshSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}
