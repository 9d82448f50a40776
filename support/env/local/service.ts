import type { DataDisk } from '../disk.ts';
import type { LocalProcess } from './process.ts';

/** A started infrastructure service of the local backend (redis, postgres, proxy …). */
export interface RunningService {
  name: string;
  host: string;
  port: number;
  url: string;
  process: LocalProcess;
  /** Its data disk, when its declaration gives one (support/env/disk.ts). */
  disk?: DataDisk;
  stop(): Promise<void>;
}

/** Retries a start that lost the race for a port another process grabbed in between. */
export async function withPortRetry<T>(attempt: () => Promise<T>, tries = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (i >= tries || !/address already in use|EADDRINUSE/i.test(message)) throw error;
    }
  }
}
