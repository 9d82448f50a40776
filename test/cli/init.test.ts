import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../../support/system/config.ts';
import { instantiate } from '../../support/system/instantiate.ts';
import { ROOT } from '../features/cucumber-run.ts';
import { runProgram } from '../plan/cli.ts';

// `faultline init` as a user runs it, in a fresh directory: what it writes, what it keeps, the draft it
// makes from a Compose file (loaded through the real config loader), and — the point of it all — that the
// example experiments it writes pass against the example system it writes.

const scratch = mkdtempSync(join(tmpdir(), 'faultline-init-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let count = 0;
const freshDir = () => join(scratch, `project-${++count}`);

const run = runProgram;

const init = (args: string[]) => run(process.execPath, [`${ROOT}bin/faultline.ts`, 'init', ...args]);
const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');

const EXAMPLE = [
  'package.json',
  'cucumber.js',
  'faultline.config.ts',
  'features/support/faultline.mjs',
  '.vscode/settings.json',
  'services/api.mjs',
  'services/backend.mjs',
  'features/network/partition.feature',
  'features/latency/slow-backend.feature',
  'features/process/backend-crash.feature',
  'features/load/steady-load.feature',
];

test('init in an empty directory writes the example project and says what to run next', async () => {
  const dir = freshDir();
  const { code, stdout, stderr } = await init(['--dir', dir]);
  assert.equal(code, 0, stderr);
  for (const file of EXAMPLE) {
    assert.ok(existsSync(join(dir, file)), `${file} written`);
    assert.match(stdout, new RegExp(`wrote +${file.replaceAll('.', '\\.')}\\n`));
  }
  assert.equal(JSON.parse(read(dir, 'package.json')).type, 'module');
  assert.match(read(dir, 'features/support/faultline.mjs'), /^import 'faultline\/cucumber';$/m);
  assert.match(read(dir, 'cucumber.js'), /import: \['features\/support\/\*\*\/\*\.\{mjs,js,ts\}'\]/);
  assert.match(read(dir, 'cucumber.js'), /faultline\/journal-formatter:/);
  assert.match(read(dir, 'faultline.config.ts'), /from 'faultline';/);
  const vscode = JSON.parse(read(dir, '.vscode/settings.json'));
  assert.deepEqual(vscode['cucumber.features'], ['features/**/*.feature']);
  assert.ok(vscode['cucumber.glue'].includes('node_modules/faultline/dist/steps/**/*.js'));
  assert.match(stdout, /npx cucumber-js\n$/);
});

test('a second init keeps every existing file and says so; --force overwrites them', async () => {
  const dir = freshDir();
  assert.equal((await init(['--dir', dir])).code, 0);
  writeFileSync(join(dir, 'faultline.config.ts'), '// mine\n');
  writeFileSync(join(dir, 'features/network/partition.feature'), '# mine\n');

  const again = await init(['--dir', dir]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(read(dir, 'faultline.config.ts'), '// mine\n');
  assert.equal(read(dir, 'features/network/partition.feature'), '# mine\n');
  assert.doesNotMatch(again.stdout, /wrote/);
  assert.match(again.stdout, /kept +faultline\.config\.ts: it exists; --force overwrites/);
  assert.match(again.stdout, /kept +features\/network\/partition\.feature: it exists/);

  const forced = await init(['--dir', dir, '--force']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(read(dir, 'faultline.config.ts'), /defineSystem/);
  assert.match(read(dir, 'features/network/partition.feature'), /Feature:/);
  assert.match(forced.stdout, /wrote +faultline\.config\.ts/);
  assert.doesNotMatch(forced.stdout, /kept/);
});

test('beside a config of the user’s own, the example services and features are not written', async () => {
  const dir = freshDir();
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{"name":"mine","type":"module"}\n');
  writeFileSync(join(dir, 'faultline.config.mjs'), '// mine\n');
  const { code, stdout } = await init(['--dir', dir]);
  assert.equal(code, 0);
  assert.equal(read(dir, 'package.json'), '{"name":"mine","type":"module"}\n', 'package.json untouched');
  assert.ok(!existsSync(join(dir, 'faultline.config.ts')));
  assert.ok(!existsSync(join(dir, 'services/api.mjs')));
  assert.ok(!existsSync(join(dir, 'features/network/partition.feature')));
  assert.ok(existsSync(join(dir, 'cucumber.js')));
  assert.match(stdout, /kept +faultline\.config\.mjs \(instead of faultline\.config\.ts\)/);
  assert.match(
    stdout,
    /faultline\.config\.mjs exists, so the example system's services and features were not written/,
  );
});

test('in a CommonJS package the ES module files get .mjs/.mts names', async () => {
  const dir = freshDir();
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{"name":"old","type":"commonjs"}\n');
  const { code, stdout } = await init(['--dir', dir]);
  assert.equal(code, 0);
  assert.ok(existsSync(join(dir, 'cucumber.mjs')));
  assert.ok(existsSync(join(dir, 'faultline.config.mts')));
  assert.ok(!existsSync(join(dir, 'cucumber.js')));
  assert.match(stdout, /does not say "type": "module"/);
});

test('usage errors name what is accepted', async () => {
  const { code, stderr } = await init(['--frm-compose', 'x.yml']);
  assert.equal(code, 2);
  assert.match(stderr, /accepted: --dir <path>, --force, --from-compose <file>, --help/);
  const missing = await init(['--dir', freshDir(), '--from-compose', join(scratch, 'nope.yml')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /--from-compose .*nope\.yml: no such file/);
});

const COMPOSE = `
name: shop
services:
  cache:
    image: redis:7-alpine
    ports: ["6379:6379"]
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: secret
    volumes: ["pgdata:/var/lib/postgresql/data"]
  web_app:
    build: ./app
    command: ["python3", "app.py"]
    ports: ["8080:8000"]
    depends_on:
      db:
        condition: service_healthy
      cache:
        condition: service_started
      search: {}
    environment:
      DATABASE_URL: postgres://shop:secret@db:5432/shop
      REDIS_URL: redis://cache:6379/0
      SEARCH_HOST: search
      SEARCH_PORT: "9200"
      MODE: production
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost:8000/health"]
    deploy:
      replicas: 2
      resources: { limits: { cpus: "0.5" } }
  search:
    image: opensearchproject/opensearch:2
    expose: ["9200"]
    volumes: ["./search.yml:/etc/search.yml"]
    networks: [back]
  worker:
    build: { context: ./worker }
    command: node worker.js --queue "jobs high"
    environment:
      - SEARCH_URL=http://search:9200/v1?x=1
      - DB_ADDR=db:5432
      - TOKEN
volumes:
  pgdata: {}
networks:
  back: {}
`;

test('--from-compose drafts a config that loads, with services, links and dependsOn, and lists what it could not translate', async () => {
  const dir = freshDir();
  mkdirSync(dir, { recursive: true });
  const compose = join(dir, 'docker-compose.yml');
  writeFileSync(compose, COMPOSE);
  const { code, stdout, stderr } = await init(['--dir', dir, '--from-compose', compose]);
  assert.equal(code, 0, stderr);
  const draft = read(dir, 'faultline.config.ts');
  assert.match(
    draft,
    /^import \{ container, defineConfig, defineSystem, postgres, redis, service, wait \} from 'faultline';$/m,
  );
  assert.match(draft, /redis\('cache'\)/);
  assert.match(draft, /postgres\('db'\)/);
  assert.match(
    draft,
    /container\('search', \{\n\s+image: 'opensearchproject\/opensearch:2',\n\s+port: 9200,/,
  );
  assert.match(draft, /service\('web-app', \{/);
  assert.match(draft, /command: \['python3', 'app\.py'\],/);
  assert.match(draft, /cwd: 'app',/);
  assert.match(draft, /DATABASE_URL: w\.url\('db'\),/);
  assert.match(draft, /REDIS_URL: w\.url\('cache'\),/);
  assert.match(draft, /SEARCH_HOST: w\.endpoint\('search'\)\.host,/);
  assert.match(draft, /SEARCH_PORT: String\(w\.endpoint\('search'\)\.port\),/);
  assert.match(draft, /MODE: 'production',/);
  assert.match(draft, /readiness: wait\.forHttp\('\/health'\),/);
  assert.match(draft, /replicas: 2,/);
  assert.match(draft, /command: \['node', 'worker\.js', '--queue', 'jobs high'\],/);
  assert.match(draft, /SEARCH_URL: `http:\/\/\$\{w\.address\('search'\)\}\/v1\?x=1`,/);
  assert.match(draft, /DB_ADDR: w\.address\('db'\),/);
  // What did not translate, beside the service and on stdout.
  for (const pattern of [
    /web_app: renamed to 'web-app'/,
    /db: postgres: faultline starts its own postgres .*not used: environment, volumes/,
    /web_app: deploy\.resources: not translated/,
    /search: volumes: not translated/,
    /search: networks: not translated/,
    /top-level volumes: not translated/,
    /worker: environment TOKEN: taken from the shell in Compose; set it in env yourself/,
    /web_app: environment DATABASE_URL: became w\.url\(…\); faultline's own postgres URL replaces its user, password and database/,
  ]) {
    assert.match(stdout, pattern);
    // In the draft, a service's notes are comments beside it (without its name); the others in the header.
    assert.match(draft, new RegExp(pattern.source.replace(/^\w+: /, '// ')));
  }
  assert.match(stdout, /link +web-app → search \(through the fault proxy\)/);
  assert.ok(existsSync(join(dir, 'features/system.feature')));
  assert.ok(!existsSync(join(dir, 'services/api.mjs')), 'no example services with a drafted config');

  // Load it as a run would (the copy's import pointed at this checkout), at a scale of one web app.
  const copy = join(dir, 'draft-check', 'faultline.config.ts');
  mkdirSync(dirname(copy), { recursive: true });
  writeFileSync(
    copy,
    draft.replace("from 'faultline'", `from '${pathToFileURL(`${ROOT}support/index.ts`).href}'`),
  );
  const { config } = await loadConfig(copy);
  assert.deepEqual(Object.keys(config.systems), ['shop']);
  const system = instantiate(config.systems.shop!, {}, { name: 'shop', baseDir: dir, origin: 'draft' });
  const kinds = Object.fromEntries(system.topology.services.map((s) => [s.name, s.kind]));
  assert.deepEqual(kinds, {
    cache: 'redis',
    db: 'postgres',
    'web-app-1': 'process',
    'web-app-2': 'process',
    search: 'container',
    worker: 'process',
  });
  const links = system.topology.links.map((l) => `${l.from}>${l.to}`).sort();
  assert.deepEqual(links, [
    'web-app-1>cache',
    'web-app-1>db',
    'web-app-1>search',
    'web-app-2>cache',
    'web-app-2>db',
    'web-app-2>search',
    'worker>db',
    'worker>search',
  ]);
  const web = system.topology.services.find((s) => s.name === 'web-app-1');
  assert.ok(web?.kind === 'process');
  assert.deepEqual([...web.dependsOn].sort(), ['cache', 'db', 'search']);
  assert.equal(web.cwd, join(dir, 'app'));
  assert.equal(web.port, 8000);
});
