import type { Backend } from './environment.ts';
import { localBackend } from './local/backend.ts';

const backends: Record<string, Backend> = { local: localBackend };

/** FAULTLINE_BACKEND names one explicitly; the default is the local-process backend. */
export function selectBackend(): Backend {
  const name = process.env.FAULTLINE_BACKEND ?? 'local';
  const backend = backends[name];
  if (!backend)
    throw new Error(
      `FAULTLINE_BACKEND=${name} is not a backend; accepted: ${Object.keys(backends).join(', ')}`,
    );
  return backend;
}
