import { existsSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Config, isConfig, isSystemDefinition } from './declare.ts';
import { ConfigError, instantiate } from './instantiate.ts';
import type { System } from './system.ts';

// Where a run finds the systems it may target: faultline.config.{ts,mjs,js} at the project root (the
// directory cucumber runs in), or the file FAULTLINE_CONFIG names. Loaded once per process.

export const CONFIG_NAMES = [
  'faultline.config.ts',
  'faultline.config.mts',
  'faultline.config.mjs',
  'faultline.config.js',
];

export interface LoadedConfig {
  config: Config;
  /** Absolute path of the file. */
  file: string;
}

/** The config file a run uses, or an error saying where it looked and how to make one. */
export function findConfig(cwd = process.cwd(), named = process.env.FAULTLINE_CONFIG): string {
  if (named) {
    const file = resolve(cwd, named);
    if (!existsSync(file)) throw new ConfigError(`FAULTLINE_CONFIG=${named}: no such file (${file})`);
    return file;
  }
  for (const name of CONFIG_NAMES) {
    const file = resolve(cwd, name);
    if (existsSync(file)) return file;
  }
  throw new ConfigError(
    `no faultline config in ${cwd}: looked for ${CONFIG_NAMES.join(', ')}. Run \`npx faultline init\` to write one, or set FAULTLINE_CONFIG to its path`,
  );
}

const loaded = new Map<string, Promise<LoadedConfig>>();

/** Imports and checks a config file (once per path). */
export function loadConfig(file = findConfig()): Promise<LoadedConfig> {
  let found = loaded.get(file);
  if (!found) {
    found = (async () => {
      let module: { default?: unknown };
      try {
        module = await import(pathToFileURL(file).href);
      } catch (error) {
        throw new ConfigError(`${basename(file)} does not load (${file}): ${(error as Error).message}`);
      }
      const config = module.default;
      if (!isConfig(config))
        throw new ConfigError(
          `${basename(file)}: its default export must be \`export default defineConfig({ systems: { name: defineSystem({ … }) } })\` (from 'faultline'); found ${config === undefined ? 'no default export' : typeof config}`,
        );
      const names = Object.keys(config.systems ?? {});
      if (names.length === 0)
        throw new ConfigError(`${basename(file)}: systems: declare at least one system`);
      for (const name of names)
        if (!isSystemDefinition(config.systems[name]))
          throw new ConfigError(
            `${basename(file)}: systems.${name}: expected defineSystem({ services: [ … ] }) from 'faultline'`,
          );
      if (config.default !== undefined && !names.includes(config.default))
        throw new ConfigError(
          `${basename(file)}: default: '${config.default}' is not one of its systems (${names.join(', ')})`,
        );
      return { config, file };
    })();
    loaded.set(file, found);
  }
  return found;
}

/**
 * The system a run targets: FAULTLINE_SYSTEM, else the profile's worldParameters.system, else the config's
 * default, else its only system.
 */
export function systemName(config: Config, file: string, fromProfile?: string): string {
  const names = Object.keys(config.systems);
  const chosen =
    process.env.FAULTLINE_SYSTEM ||
    fromProfile ||
    config.default ||
    (names.length === 1 ? names[0] : undefined);
  const source = process.env.FAULTLINE_SYSTEM
    ? 'FAULTLINE_SYSTEM'
    : fromProfile
      ? 'worldParameters.system'
      : 'default';
  if (chosen === undefined)
    throw new ConfigError(
      `${basename(file)} declares several systems (${names.join(', ')}): choose one with FAULTLINE_SYSTEM, a profile's worldParameters.system, or \`default\` in the config`,
    );
  if (!names.includes(chosen))
    throw new ConfigError(
      `${source}=${chosen} is not a system of ${basename(file)}; its systems: ${names.join(', ')}`,
    );
  return chosen;
}

/** Loads the config and builds the selected system at the scenario's scale. */
export async function loadSystem(
  scale: Record<string, number>,
  options: { system?: string; file?: string } = {},
): Promise<{ system: System; name: string; file: string }> {
  const { config, file } = await loadConfig(options.file);
  const name = systemName(config, file, options.system);
  const system = instantiate(config.systems[name]!, scale, {
    name,
    baseDir: dirname(file),
    origin: `${basename(file)}: systems.${name}`,
  });
  return { system, name, file };
}
