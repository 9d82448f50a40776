/**
 * A probe's answer, or a rejection once `ms` passed: a store that hangs (paused, partitioned) must not hold
 * a round of the hypothesis longer than its probe timeout. The abandoned call ends on its client's own bounds.
 */
export function within<T>(ms: number, answer: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer to ${what} within ${ms} ms`)), ms);
    timer.unref();
  });
  answer.catch(() => {});
  return Promise.race([answer, late]).finally(() => clearTimeout(timer));
}
