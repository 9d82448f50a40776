#!/usr/bin/env node
// The `faultline` command: a table of subcommands, each module loaded only when used so that one command's
// dependencies never slow down another. Add a command by adding a row.

interface Command {
  run(argv: string[]): Promise<number | undefined>;
}

const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  init: {
    summary:
      'set a project up: cucumber profiles, faultline.config.ts, example experiments (or --from-compose)',
    load: async () => (await import('./commands/init.ts')).command,
  },
  run: {
    summary:
      'run the features (cucumber-js options) and exit 0 passed, 1 defect, 2 invalid experiment, 3 infrastructure',
    load: async () => (await import('./commands/run.ts')).command,
  },
  doctor: {
    summary: 'check the prerequisites of each backend: found with version and path, or how to get them',
    load: async () => (await import('./commands/doctor.ts')).command,
  },
  install: {
    summary: 'prepare what a run needs (--with-deps: install redis-server and PostgreSQL with apt-get)',
    load: async () => (await import('./commands/install.ts')).command,
  },
  proxy: {
    summary: 'run the Toxiproxy-compatible fault proxy',
    load: async () => (await import('./commands/proxy.ts')).command,
  },
  plan: {
    summary: 'list per scenario the faults, targets, durations and blast radius, without running anything',
    load: async () => (await import('./commands/plan.ts')).command,
  },
  up: {
    summary: 'a game day: bring the system up, print every address, keep it until `down` or Ctrl-C',
    load: async () => (await import('./commands/up.ts')).command,
  },
  fault: {
    summary: 'apply a fault step of the vocabulary to the running game day; prints its id and evidence',
    load: async () => (await import('./commands/gameday.ts')).fault,
  },
  undo: {
    summary: 'undo a fault of the running game day by its id, or --all',
    load: async () => (await import('./commands/gameday.ts')).undo,
  },
  status: {
    summary: 'the running game day: addresses, faults (--steady-state: probe every link)',
    load: async () => (await import('./commands/gameday.ts')).status,
  },
  export: {
    summary: 'write each scenario as a Chaos Toolkit experiment (export chaostoolkit [features] --out DIR)',
    load: async () => (await import('./commands/export.ts')).command,
  },
  down: {
    summary: 'take the running game day down: roll back, verify clean, stop everything',
    load: async () => (await import('./commands/gameday.ts')).down,
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const rows = Object.entries(commands).map(([name, { summary }]) => `  ${name.padEnd(width)}  ${summary}`);
  return `usage: faultline <command> [options]\n\ncommands:\n${rows.join('\n')}\n\nRun "faultline <command> --help" for a command's options.\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return 0;
  }
  const entry = name === undefined ? undefined : commands[name];
  if (entry === undefined) {
    process.stderr.write(name === undefined ? usage() : `faultline: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  const command = await entry.load();
  return (await command.run(rest)) ?? 0;
}

// Exit explicitly once a command is done: a long-running command's handles (the stdin lifeline, timers)
// would otherwise keep the process alive after its graceful shutdown finished.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `faultline: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
