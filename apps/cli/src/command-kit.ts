// Small helpers shared by the verbs: option sets that recur, argument parsers, and the action wrapper.
import { Command, InvalidArgumentError, Option } from 'commander';
import { Output, outputFor } from './output';
import { ENV } from './settings';

export type Action<O> = (out: Output, opts: O, command: Command) => Promise<void>;

/** Binds a verb to its implementation; the options object is typed by the caller. */
export function act<O>(fn: Action<O>): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    await fn(outputFor(command), command.opts() as O, command);
  };
}

/** Same, for verbs with one positional argument. */
export function actWithArg<O>(
  fn: (out: Output, arg: string, opts: O, command: Command) => Promise<void>,
): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    await fn(outputFor(command), args[0] as string, command.opts() as O, command);
  };
}

export function gatewayOptions(cmd: Command): Command {
  return cmd
    .option('--gateway <url>', `gateway base URL (env ${ENV.gatewayUrl})`)
    .option('--token <token>', `bearer token for that gateway (env ${ENV.token})`);
}

export function secretariatOptions(cmd: Command): Command {
  return cmd
    .option('--secretariat <url>', `secretariat base URL (env ${ENV.secretariatUrl})`)
    .option('--token <token>', `secretariat bearer token (env ${ENV.secretariatToken})`);
}

export function passphraseOptions(cmd: Command, what: string): Command {
  return cmd
    .option('--passphrase-file <file>', `file holding the passphrase of ${what} (or env ${ENV.passphrase})`)
    .addOption(new Option('--passphrase <value>', 'refused: never pass a passphrase as a value').hideHelp());
}

export function parseCountry(value: string): string {
  if (!/^[A-Z]{2}$/.test(value)) {
    throw new InvalidArgumentError('give an ISO 3166-1 alpha-2 code in capitals, e.g. LY.');
  }
  return value;
}

export function parseCountryList(value: string): string[] {
  const list = value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  if (!list.length || list.some((c) => !/^[A-Z]{2}$/.test(c))) {
    throw new InvalidArgumentError('give ISO 3166-1 alpha-2 codes in capitals, comma-separated, e.g. IT,MT.');
  }
  return list;
}

export function parseList(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

export function parseNonNegativeInt(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError('give a non-negative whole number.');
  }
  return Number(value);
}

export function parsePositiveInt(value: string): number {
  const n = parseNonNegativeInt(value);
  if (n === 0) {
    throw new InvalidArgumentError('give a whole number above 0.');
  }
  return n;
}

/** "90s", "15m", "8h", "7d" or plain seconds. */
export function parseDuration(value: string): number {
  const m = /^(\d+)\s*([smhd]?)$/.exec(value.trim());
  if (!m) {
    throw new InvalidArgumentError('give a duration such as 90s, 15m, 8h or 7d.');
  }
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  const seconds = Number(m[1]) * unit;
  if (seconds <= 0) {
    throw new InvalidArgumentError('the duration must be above 0.');
  }
  return seconds;
}
