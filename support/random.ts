// One seed drives every random choice of a run (which members a fault hits, generated payloads), so a
// re-run with the same FAULTLINE_SEED repeats the experiment. mulberry32: tiny, fast, good enough for
// test choices (not for cryptography).
export type Random = () => number;

export function seeded(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Derives an independent stream for a named purpose, so adding a draw in one place does not shift others. */
export function derive(seed: number, purpose: string): Random {
  let h = seed >>> 0;
  for (let i = 0; i < purpose.length; i++) h = Math.imul(h ^ purpose.charCodeAt(i), 0x01000193) >>> 0;
  return seeded(h);
}

export function runSeed(): number {
  const configured = process.env.FAULTLINE_SEED;
  if (configured === undefined || configured === '') return Math.floor(Math.random() * 2 ** 31);
  const seed = Number(configured);
  if (!Number.isInteger(seed) || seed < 0)
    throw new Error(`FAULTLINE_SEED=${configured} is not a seed: use a non-negative integer`);
  return seed;
}

export function shuffle<T>(items: readonly T[], random: Random): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}
