import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_NAMES } from '../../../support/system/config.ts';

// What `faultline init` writes into a project: cucumber profiles that load faultline's steps, a system
// config, example features, and editor settings — each file written only when it is missing (or --force),
// so running init again never costs a user an edit. The files come from templates/init, which ships with
// the package.

/** One file init means to write, relative to the project directory. */
export interface PlannedFile {
  path: string;
  content: string;
  /** Files whose presence counts as this one being there already (cucumber.json for cucumber.js). */
  alternatives?: readonly string[];
}

export interface ScaffoldResult {
  written: string[];
  /** Files already there, left as they were: the file found, and the one init would have written. */
  kept: { path: string; instead: string }[];
  /** Example files not written because the user's own config was kept. */
  skipped: string[];
  notes: string[];
}

/** Cucumber reads the first of these it finds (its own lookup order). */
const CUCUMBER_CONFIGS = [
  'cucumber.js',
  'cucumber.cjs',
  'cucumber.mjs',
  'cucumber.json',
  'cucumber.yaml',
  'cucumber.yml',
];

/** The example system: its config, its services and the features that run against it, kept together. */
const EXAMPLE_FILES = [
  'services/api.mjs',
  'services/backend.mjs',
  'features/network/partition.feature',
  'features/latency/slow-backend.feature',
  'features/process/backend-crash.feature',
  'features/load/steady-load.feature',
];

/** templates/init, found upwards from this file so it works from the sources and from a build alike. */
export function templatesDir(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'templates', 'init');
    if (existsSync(join(candidate, 'cucumber.js'))) return candidate;
    if (dirname(dir) === dir)
      throw new Error(
        `faultline's templates/init folder is missing (looked upwards from ${from}): reinstall faultline`,
      );
  }
}

const template = (name: string): Promise<string> => readFile(join(templatesDir(), name), 'utf8');

/**
 * Which module flavour the project's JavaScript is: the written files are ES modules, which Node reads as
 * such from `.js`/`.ts` only in a package whose package.json says "type": "module".
 */
async function moduleFlavour(dir: string): Promise<'esm' | 'other' | 'no-package'> {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) return 'no-package';
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file} is not valid JSON (${(error as Error).message}): fix it, then run init again`);
  }
  return typeof json === 'object' && json !== null && (json as { type?: unknown }).type === 'module'
    ? 'esm'
    : 'other';
}

const packageName = (dir: string): string =>
  basename(resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9-._]+/g, '-')
    .replace(/^[-._]+/, '') || 'chaos-experiments';

export interface PlanOptions {
  dir: string;
  /** The config to write instead of the example's (a draft from a Compose file). */
  config?: { content: string; features: PlannedFile[] };
}

/** The files init would write into `dir`, in the project's module flavour. */
export async function planFiles(options: PlanOptions): Promise<{ files: PlannedFile[]; notes: string[] }> {
  const notes: string[] = [];
  const files: PlannedFile[] = [];
  const flavour = await moduleFlavour(options.dir);
  if (flavour === 'no-package')
    files.push({
      path: 'package.json',
      content: `${JSON.stringify({ name: packageName(options.dir), private: true, type: 'module' }, null, 2)}\n`,
    });
  // In a CommonJS package the .js/.ts names would be read as CommonJS and fail on `import`: the .mjs/.mts
  // names are ES modules wherever they are.
  const esm = flavour !== 'other';
  if (!esm)
    notes.push(
      'package.json does not say "type": "module": wrote cucumber.mjs and faultline.config.mts (ES modules by their names)',
    );
  const cucumberName = esm ? 'cucumber.js' : 'cucumber.mjs';
  const configName = esm ? 'faultline.config.ts' : 'faultline.config.mts';
  files.push(
    { path: cucumberName, content: await template('cucumber.js'), alternatives: CUCUMBER_CONFIGS },
    {
      path: configName,
      content: options.config?.content ?? (await template('faultline.config.ts')),
      alternatives: CONFIG_NAMES,
    },
    { path: 'features/support/faultline.mjs', content: await template('features/support/faultline.mjs') },
    { path: '.vscode/settings.json', content: await template('.vscode/settings.json') },
  );
  if (options.config) files.push(...options.config.features);
  else for (const path of EXAMPLE_FILES) files.push({ path, content: await template(path) });
  return { files, notes };
}

/** Writes the planned files that are missing (all of them with `force`), and says what it kept. */
export async function scaffold(
  dir: string,
  planned: { files: PlannedFile[]; notes: string[] },
  force: boolean,
): Promise<ScaffoldResult> {
  const result: ScaffoldResult = { written: [], kept: [], skipped: [], notes: [...planned.notes] };
  const present = (file: PlannedFile) =>
    [file.path, ...(file.alternatives ?? [])].find((name) => existsSync(join(dir, name)));
  const config = planned.files.find((f) => f.alternatives === CONFIG_NAMES);
  const keptConfig = config && !force ? present(config) : undefined;
  for (const file of planned.files) {
    const found = present(file);
    if (found !== undefined && !force) {
      result.kept.push({ path: found, instead: file.path });
      continue;
    }
    // The example features and services speak of the example system's services: against a config the
    // user already has they would only fail, so they come with the example config or not at all.
    if (keptConfig !== undefined && EXAMPLE_FILES.includes(file.path)) {
      result.skipped.push(file.path);
      continue;
    }
    const target = join(dir, file.path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, file.content);
    result.written.push(file.path);
    // With --force, a config cucumber reads before ours would still hide it.
    if (found !== undefined && found !== file.path && file.alternatives) {
      const order = file.alternatives;
      if (order.indexOf(found) < order.indexOf(file.path))
        result.notes.push(`${found} is read before ${file.path}: remove it, or ${file.path} is not used`);
    }
  }
  if (result.skipped.length > 0)
    result.notes.push(
      `${keptConfig} exists, so the example system's services and features were not written (they would not match your system); --force writes them with the example config`,
    );
  return result;
}
