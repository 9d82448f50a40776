import { Random as Generator } from './proxy/random.ts';

// One seed drives every random choice of a run (which members a fault hits, generated payloads, the
// proxy's toxic draws), so a re-run with the same FAULTLINE_SEED repeats the experiment. One generator
// serves the whole project: the proxy's seeded sfc32.
export type Random = () => number;

export function seeded(seed: number): Random {
  const generator = new Generator(seed);
  return () => generator.next();
}

/** An independent stream for a named purpose, so adding a draw in one place does not shift the others. */
export function derive(seed: number, purpose: string): Random {
  const generator = Generator.derive(seed, purpose);
  return () => generator.next();
}

export const MAX_SEED = 2 ** 32 - 1;

/**
 * The run's seed: FAULTLINE_SEED, else a fresh one written back to the environment, so that cucumber's
 * parallel workers (threads that copy the environment when they start) and every child process of the
 * run draw from the same seed.
 */
export function runSeed(): number {
  const configured = process.env.FAULTLINE_SEED;
  if (configured === undefined || configured === '') {
    const fresh = Math.floor(Math.random() * 2 ** 31);
    process.env.FAULTLINE_SEED = String(fresh);
    return fresh;
  }
  const seed = Number(configured);
  // 32 bits: the generator (and the proxy's --seed) fold the seed into 32-bit state.
  if (!/^\d+$/.test(configured.trim()) || seed > MAX_SEED)
    throw new Error(
      `FAULTLINE_SEED=${configured} is not a seed: use a whole number from 0 to ${MAX_SEED}, e.g. FAULTLINE_SEED=42 (the seed a run prints at its start repeats it)`,
    );
  return seed;
}

/** Eight hex digits from a stream: short, stable ids for things a re-run must name the same way. */
export function token(random: Random): string {
  return Math.floor(random() * 0x1_0000_0000)
    .toString(16)
    .padStart(8, '0');
}

export function shuffle<T>(items: readonly T[], random: Random): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}
