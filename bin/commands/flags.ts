// The opening every command without positional words shares: its flags read strictly (an unknown or
// malformed one is named with what is accepted), then a usage error answered on stderr with the help and
// exit code 2, or --help answered on stdout with 0, before the command does anything.

import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';

/** The flags of `argv` by `options`, strictly and with no positional words; a mistake names `accepted`. */
export function readFlags<const O extends ParseArgsOptionsConfig>(
  argv: string[],
  options: O,
  accepted: string,
) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new Error(`${(error as Error).message}; accepted: ${accepted}`);
  }
}

/**
 * What `read` makes of the command line, or the exit code when the command has nothing more to do: 2 after
 * a usage error (what `read` threw, then the help, on stderr), 0 after --help (the help on stdout).
 */
export function flagsOr<F extends { help?: boolean }>(
  command: string,
  help: string,
  read: () => F,
): F | number {
  let flags: F;
  try {
    flags = read();
  } catch (error) {
    process.stderr.write(`faultline ${command}: ${(error as Error).message}\n\n${help}`);
    return 2;
  }
  if (flags.help) {
    process.stdout.write(help);
    return 0;
  }
  return flags;
}
