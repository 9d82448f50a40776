import { resolve } from 'node:path';

/** Machine-local cache that survives runs (Postgres template, V8 compile cache); FAULTLINE_CACHE moves it. */
export function cacheRoot(): string {
  return resolve(process.env.FAULTLINE_CACHE ?? '.cache/faultline');
}
