import type { Environment } from '../env/environment.ts';
import type { Random } from '../random.ts';
import type { System } from '../system/system.ts';
import type { Result, Target } from './generator.ts';

export interface SystemTargetOptions {
  system: System;
  env: Environment;
  /** Operation name as the system lists it ("order request"). */
  kind: string;
  /** Unique id per operation (the world's seed-derived ids). */
  nextId: (kind: string) => string;
  /** Seeded randomness per operation, so a re-run sends the same payloads. */
  random: (id: string) => Random;
  /** Payload size of every operation, when the step names one ("512 KB order requests"). */
  sizeBytes?: number;
}

export class UnknownOperationError extends Error {}

/**
 * Drives one of a system's client operations. The system's adapter performs the request; the generator
 * owns the clock (its timestamps replace the adapter's) and the timeout.
 */
export function systemTarget(options: SystemTargetOptions): Target {
  const { system, env, kind } = options;
  const operation = system.operations[kind];
  if (!operation)
    throw new UnknownOperationError(
      `'${kind}' is not an operation of this system; known: ${Object.keys(system.operations).join(', ')}`,
    );
  return {
    kind,
    id: () => options.nextId(kind),
    // The generator times the operation out; the adapter's own request cannot be cancelled (operations
    // take no signal yet) and may still take effect — which is why a timeout is recorded as unknown.
    async invoke({ id }): Promise<Result> {
      const { outcome, status, service, servedBy, attempts, error } = await operation({
        env,
        id,
        random: options.random(id),
        ...(options.sizeBytes !== undefined ? { sizeBytes: options.sizeBytes } : {}),
      });
      const result: Result = { outcome, attempts };
      if (status !== undefined) result.status = status;
      if (service !== undefined) result.service = service;
      if (servedBy !== undefined) result.servedBy = servedBy;
      if (error !== undefined) result.error = error;
      return result;
    },
  };
}
