// A system's service that is handed its Postgres password the way many are: in an env var (PGPASSWORD), read
// once at start. It logs in as PGUSER over the link DATABASE_URL gives (its host, port and database; not its
// superuser), keeps that session, logs in again when it ends, and answers GET /whoami with the user it is
// logged in as and a fingerprint of the secret it was started with — never the secret itself.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import pg from 'pg';

const url = new URL(process.env.DATABASE_URL);
const secret = process.env.PGPASSWORD ?? '';
const fingerprint = createHash('sha256').update(secret).digest('hex').slice(0, 12);
let client;
let lastError = 'not logged in yet';

async function logIn() {
  for (;;) {
    const c = new pg.Client({
      host: url.hostname,
      port: Number(url.port),
      database: url.pathname.slice(1),
      user: process.env.PGUSER,
      password: secret,
      application_name: 'secret-env-app',
      connectionTimeoutMillis: 2_000,
    });
    c.on('error', () => undefined);
    try {
      await c.connect();
      client = c;
      console.log(JSON.stringify({ msg: 'logged in', user: process.env.PGUSER, fingerprint }));
      c.once('end', () => {
        client = undefined;
        lastError = 'session ended';
        void logIn();
      });
      return;
    } catch (error) {
      lastError = error.message;
      console.log(JSON.stringify({ msg: 'login refused', error: error.message }));
      await c.end().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

const server = createServer(async (req, res) => {
  if (req.url !== '/whoami') return res.writeHead(404).end();
  try {
    if (!client) throw new Error(lastError);
    const { rows } = await client.query('select current_user as user');
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ ...rows[0], fingerprint }));
  } catch (error) {
    res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: error.message }));
  }
});
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1', () => {
  console.log(JSON.stringify({ msg: 'listening', fingerprint }));
  void logIn();
});
process.on('SIGTERM', () => process.exit(0));
