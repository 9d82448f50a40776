// `faultline proxy`: run the embedded Toxiproxy-compatible fault proxy in the foreground. Logs are JSON on
// stdout; the line with "msg":"listening" carries the bound host and port (the local backend reads it
// when it starts us with --port 0).

import { parseArgs } from 'node:util';
import { exitWithParent } from '../../support/cleanup/lifeline.ts';

const help = `usage: faultline proxy [--host 127.0.0.1] [--port 8474] [--seed N] [--config file.json] [--metrics]

  --host     address for the HTTP API (default 127.0.0.1; 0.0.0.0 for all interfaces)
  --port     port for the HTTP API, 0 for a free one (default 8474)
  --seed     non-negative integer seeding every random draw of every toxic (default: fresh, logged)
  --config   JSON file in /populate format, applied at start-up
  --metrics  serve Prometheus metrics on /metrics
  --version  print the Toxiproxy API version this server implements
  LOG_LEVEL  environment variable: trace, debug, info (default), warn, error, fatal, silent
`;

class UsageError extends Error {}

function integerFlag(flag: string, text: string, min: number, max: number): number {
  if (!/^[0-9]+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(
      `--${flag} ${JSON.stringify(text)} is not valid: use an integer from ${min} to ${max}`,
    );
  }
  return Number(text);
}

function parse(argv: string[]) {
  let values: ReturnType<typeof parseArgs<{ options: typeof options }>>['values'];
  const options = {
    host: { type: 'string' },
    port: { type: 'string' },
    seed: { type: 'string' },
    config: { type: 'string' },
    metrics: { type: 'boolean' },
    version: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  } as const;
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError(
      `${(error as Error).message}\naccepted: --host, --port, --seed, --config, --metrics, --version, --help`,
    );
  }
  const level = process.env.LOG_LEVEL ?? 'info';
  if (!['trace', 'debug', 'info', 'warn', 'warning', 'error', 'fatal', 'panic', 'silent'].includes(level)) {
    throw new UsageError(
      `LOG_LEVEL=${level} is not valid: use trace, debug, info, warn, error, fatal or silent`,
    );
  }
  if (values.host === '') throw new UsageError('--host must not be empty: use an address such as 127.0.0.1');
  return {
    help: values.help === true,
    version: values.version === true,
    host: values.host ?? '127.0.0.1',
    port: values.port === undefined ? 8474 : integerFlag('port', values.port, 0, 65535),
    seed: values.seed === undefined ? undefined : integerFlag('seed', values.seed, 0, 2 ** 32 - 1),
    config: values.config,
    metrics: values.metrics === true,
    level: level === 'warning' ? 'warn' : level === 'panic' ? 'fatal' : level,
  };
}

export const command = {
  async run(argv: string[]): Promise<number | undefined> {
    let flags: ReturnType<typeof parse>;
    try {
      flags = parse(argv);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      process.stderr.write(`faultline proxy: ${error.message}\n\n${help}`);
      return 2;
    }
    if (flags.help) {
      process.stdout.write(help);
      return 0;
    }
    if (flags.version) {
      const { TOXIPROXY_VERSION } = await import('../../support/proxy/api.ts');
      process.stdout.write(
        `toxiproxy-server version ${TOXIPROXY_VERSION} (faultline embedded fault proxy)\n`,
      );
      return 0;
    }
    // Loaded after the flags are checked, so a usage error answers at once.
    const { pino } = await import('pino');
    const { startProxyServer } = await import('../../support/proxy/server.ts');
    const logger = pino({ level: flags.level, base: { pid: process.pid } });
    const server = await startProxyServer({
      host: flags.host,
      port: flags.port,
      seed: flags.seed,
      config: flags.config,
      metrics: flags.metrics,
      logger,
    });
    logger.info({ host: server.host, port: server.port, url: server.url, seed: server.seed }, 'listening');

    const close = async (): Promise<void> => {
      await server.close();
    };
    exitWithParent(close);
    await new Promise<void>((resolve) => {
      const stop = (signal: NodeJS.Signals) => {
        logger.info({ signal }, 'shutting down');
        close().then(resolve, resolve);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  },
};
