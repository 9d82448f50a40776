import { relative } from 'node:path';
import { findConfig, loadSystem } from '../system/config.ts';
import type { System } from '../system/system.ts';

// The system a plan checks step words against: the one a run would select (FAULTLINE_SYSTEM, the profile's
// worldParameters.system, the config's default, its only system), built at each scenario's scale. Building
// only runs the declaration (the env functions against a recording wiring): nothing is started.

export interface PlanSystem {
  /** The system's name in the config. */
  name: string;
  /** The config file, relative to the project when inside it. */
  file: string;
  /** The system a scenario starts at this scale ({ workers: 5 }), not started; a rejected scale throws. */
  at(scale: Record<string, number>): Promise<System>;
}

/** Loads the config and the selected system once; throws (ConfigError) when either is missing or wrong. */
export async function planSystem(cwd: string, selected?: string): Promise<PlanSystem> {
  const file = findConfig(cwd);
  const { name } = await loadSystem({}, { system: selected, file });
  const built = new Map<string, Promise<System>>();
  return {
    name,
    file: relative(cwd, file).startsWith('..') ? file : relative(cwd, file),
    at(scale) {
      const key = JSON.stringify(Object.entries(scale).sort());
      let system = built.get(key);
      if (!system) {
        system = loadSystem(scale, { system: selected, file }).then((loaded) => loaded.system);
        built.set(key, system);
      }
      return system;
    },
  };
}
