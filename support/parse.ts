// Step text is user input: every number in it is parsed strictly, and a bad one is reported with what
// would have been accepted.

const UNITS: Record<string, number> = {
  ms: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1000,
  sec: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  minutes: 60_000,
};

export class StepInputError extends Error {}

/** "30 seconds", "500ms", "1.5 s", "2 minutes" → milliseconds. */
export function parseDuration(text: string): number {
  const match = text.trim().match(/^(\d+(?:\.\d+)?)\s*([a-z]+)$/i);
  const unit = match?.[2]?.toLowerCase();
  const factor = unit ? UNITS[unit] : undefined;
  if (!match || factor === undefined)
    throw new StepInputError(
      `'${text}' is not a duration: write a number and a unit, e.g. 500ms, 2 s, 30 seconds, 1.5 minutes (units: ms, s, seconds, m, minutes)`,
    );
  return Math.round(Number(match[1]) * factor);
}

/** "1%", "0.5 %", "95%" → fraction 0..1. */
export function parsePercent(text: string): number {
  const match = text.trim().match(/^(\d+(?:\.\d+)?)\s*%$/);
  const value = match ? Number(match[1]) : Number.NaN;
  if (!match || value > 100)
    throw new StepInputError(
      `'${text}' is not a percentage: write a number from 0 to 100 followed by %, e.g. 1% or 99.5%`,
    );
  return value / 100;
}

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1_000, mb: 1_000_000, gb: 1_000_000_000 };

/** "50 MB", "4 KB", "512 B" → bytes (decimal units, as people say them). */
export function parseSize(text: string): number {
  const match = text.trim().match(/^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)$/i);
  const factor = match ? SIZE_UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || factor === undefined)
    throw new StepInputError(`'${text}' is not a size: write a number and B, KB, MB or GB, e.g. 50 MB`);
  return Math.round(Number(match[1]) * factor);
}
