// Types of prerequisites.mjs (plain JavaScript so that scripts/setup.mjs can run it on an old Node).

export type PrerequisiteBackend = 'local' | 'containers' | 'reports';

export interface Finding {
  id: string;
  name: string;
  backend: PrerequisiteBackend;
  /** Whether the backend cannot run without it (optional ones only lose a feature). */
  required: boolean;
  ok: boolean;
  path?: string;
  version?: string;
  /** What is wrong, when not ok. */
  problem?: string;
  /** Why faultline needs it. */
  why: string;
  /** Debian/Ubuntu packages that provide it. */
  apt?: string[];
  /** The environment variable that names it instead. */
  env?: string;
  /** Exactly what to do, when not ok. */
  fix?: string;
}

export declare const NODE_RANGE: string;
export declare const SETPRIV: string;
export declare function nodeSatisfies(version: string, range?: string): boolean;
export declare function onPath(name: string, env?: NodeJS.ProcessEnv): string | undefined;
export declare function findRedisServer(env?: NodeJS.ProcessEnv): string | undefined;
export declare function findPostgresBinDir(env?: NodeJS.ProcessEnv): string | undefined;
export declare function findBusybox(): string | undefined;
export declare function findChromium(env?: NodeJS.ProcessEnv): string | undefined;
export declare const CHAOSTOOLKIT_PYTHON: string;
export declare const CHAOSTOOLKIT_APT: string[];
export declare function chaosToolkitPythonReady(python?: string): boolean;
export declare function checkPrerequisites(options?: {
  env?: NodeJS.ProcessEnv;
  node?: { version: string; path: string };
  root?: boolean;
}): Finding[];
