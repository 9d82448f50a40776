import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, platform, release } from 'node:os';

// What the run ran on, for the report's Environment section and the journal: enough to reproduce it (seed,
// backend, versions of the runtime and of the stores) or to explain why figures differ between machines.
// Version probes are best-effort: a missing binary is reported as such, never an error.

function version(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, {
      encoding: 'utf8',
      timeout: 3_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .trim()
      .split('\n')[0] as string;
  } catch {
    return 'not found';
  }
}

function packageVersion(path: string): string {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function postgresBinary(): string {
  if (process.env.FAULTLINE_PG_BIN) return `${process.env.FAULTLINE_PG_BIN}/postgres`;
  const configured = version('pg_config', ['--bindir']);
  return configured === 'not found' ? 'postgres' : `${configured}/postgres`;
}

export function runEnvironment(facts: {
  seed: number | null;
  backends: string[];
  /** The systems the run's scenarios brought up (their names in the config). */
  systems?: string[];
}): Record<string, string> {
  return {
    seed: facts.seed === null ? 'none drawn' : String(facts.seed),
    'repeat with': facts.seed === null ? '—' : `FAULTLINE_SEED=${facts.seed}`,
    backend: facts.backends.join(', ') || 'none started',
    system: facts.systems?.join(', ') || process.env.FAULTLINE_SYSTEM || 'none started',
    faultline: `${packageVersion('package.json')} (${version('git', ['rev-parse', '--short', 'HEAD'])})`,
    node: process.version,
    'cucumber-js': packageVersion('node_modules/@cucumber/cucumber/package.json'),
    'redis-server': version(process.env.FAULTLINE_REDIS_SERVER ?? 'redis-server', ['--version']),
    postgres: version(postgresBinary(), ['--version']),
    os: `${platform()} ${release()}`,
    cpus: String(cpus().length),
    ci: process.env.CI ? 'yes' : 'no',
  };
}

/** Java-properties text, the form Allure reads as environment.properties. */
export function propertiesText(values: Record<string, string>): string {
  const quote = (s: string) =>
    s
      .replace(/\\/g, '\\\\')
      .replace(/([=:])/g, '\\$1')
      .replace(/\n/g, '\\n');
  return `${Object.entries(values)
    .map(([k, v]) => `${quote(k).replace(/ /g, '\\ ')}=${quote(v)}`)
    .join('\n')}\n`;
}
