import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { localBackend } from '../../support/env/local/backend.ts';
import { loadConfig, loadSystem } from '../../support/system/config.ts';
import { ConfigError } from '../../support/system/instantiate.ts';

// A user's config is input: each mistake is a clear error naming the file, the field and what is
// accepted, before anything starts.

const dir = mkdtempSync(join(tmpdir(), 'faultline-test-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const API = new URL('../../support/index.ts', import.meta.url).pathname;
let n = 0;

/** Writes a config whose system declares `services` (and `rest`), returns its path. */
function config(services: string, rest = ''): string {
  const file = join(dir, `case-${++n}.faultline.config.ts`);
  writeFileSync(
    file,
    `import { defineConfig, defineSystem, redis, postgres, service, container, wait } from '${API}';
export default defineConfig({ systems: { shop: defineSystem({ services: [${services}], ${rest} }) } });
`,
  );
  return file;
}

const refuses = async (file: string, pattern: RegExp) => {
  await assert.rejects(loadSystem({}, { file }), (error: Error) => {
    assert.ok(error instanceof ConfigError, `a ConfigError, not ${error.constructor.name}: ${error.message}`);
    assert.match(error.message, pattern);
    return true;
  });
};

test('an unknown service kind names the field and the kinds that exist', async () => {
  await refuses(
    config(`{ kind: 'kafka', name: 'queue' }`),
    /faultline\.config\.ts: systems\.shop\.services\[0\]\.kind: unknown service kind: use redis\('name'\), postgres\('name'\), service\('name', \{ command \}\) or container\('name', \{ image, port \}\)/,
  );
});

test('a link to a service that does not exist names it and the services there are', async () => {
  await refuses(
    config(`redis('cache'), service('api', { command: ['true'] })`, `links: [{ from: 'api', to: 'cahce' }]`),
    /systems\.shop\.links\[0\]\.to: there is no service 'cahce'; services: cache, api/,
  );
  await refuses(
    config(`service('api', { command: ['true'], env: (w) => ({ DB: w.url('db') }) })`),
    /systems\.shop\.services\[0\]\.env \(api\): there is no service 'db'; services: api/,
  );
});

test('a duplicate name is refused, also when a replica takes it', async () => {
  await refuses(config(`redis('cache'), redis('cache')`), /services\[1\]: the name 'cache' is used twice/);
  await refuses(
    config(
      `service('worker-2', { command: ['true'] }), service('worker', { command: ['true'], replicas: 3 })`,
    ),
    /services\[1\]: the name 'worker-2' is used twice \(a replica of 'worker'\)/,
  );
});

test('a missing command says what to write', async () => {
  await refuses(
    config(`{ kind: 'process', name: 'api' }`),
    /systems\.shop\.services\[0\]\.command: give the program and its arguments, e\.g\. command: \['python3', 'app\.py'\]/,
  );
});

test('a config that does not load, or exports something else, says so with its path', async () => {
  const broken = join(dir, 'broken.faultline.config.ts');
  writeFileSync(broken, `import { nothing } from './no-such-module.ts';\nexport default nothing;\n`);
  await assert.rejects(
    loadConfig(broken),
    /broken\.faultline\.config\.ts does not load \(.*broken\.faultline\.config\.ts\): .*no-such-module/,
  );
  const plain = join(dir, 'plain.faultline.config.ts');
  writeFileSync(plain, `export default { systems: {} };\n`);
  await assert.rejects(
    loadConfig(plain),
    /plain\.faultline\.config\.ts: its default export must be `export default defineConfig\(/,
  );
});

test('a readiness that never holds fails naming the strategy and the last output, and leaves nothing running', async () => {
  const file = config(
    `service('api', { command: ['sh', '-c', 'echo starting up; echo still not listening; exec sleep 30'], readiness: wait.forHttp('/health', { timeout: '1 s' }) })`,
  );
  const { system } = await loadSystem({}, { file });
  await assert.rejects(localBackend.up(system.topology, { seed: 1 }), (error: Error) => {
    assert.match(error.message, /api was not ready within 1000 ms: waited for GET \/health to answer 2xx/);
    assert.match(error.message, /\[api\] still not listening/);
    return true;
  });
  const children = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.includes(' ps '));
  assert.deepEqual(children, [], 'no service or proxy outlives the failed start');
});

test('a container service on the local backend names the service and what to do instead', async () => {
  const file = config(`container('search', { image: 'opensearch:2', port: 9200 })`);
  const { system } = await loadSystem({}, { file });
  await assert.rejects(
    localBackend.up(system.topology, { seed: 1 }),
    /the local backend runs processes, not images: 'search' \(image opensearch:2.*needs the containers backend \(FAULTLINE_BACKEND=containers\)/,
  );
});
