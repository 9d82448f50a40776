import { Random as Generator } from './faults/proxy/random.ts';

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
