// Every failure the operator sees is one line: `corridor: <what went wrong> — <what to do>`, never a stack.
// Exit codes: 2 for usage and validation errors (fix the command or the file), 1 for remote or operational failures.
import { IdentityError } from '@corridor/identity';
import { isPkiError } from '@corridor/pki';
import { CliError } from './pki-files';

export { CliError };

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A mistake in the command or its input: nothing was sent. */
export function usageError(what: string, todo: string): CliError {
  return new CliError(`${what} — ${todo}`, EXIT_USAGE);
}

/** The command was fine but the world said no (remote refusal, unreachable service, failed verification). */
export function operationalError(what: string, todo: string): CliError {
  return new CliError(`${what} — ${todo}`, EXIT_FAILURE);
}

/** Ends the process with a code but prints nothing more (e.g. --help, or a verb that already reported). */
export class QuietExit extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
    this.name = 'QuietExit';
  }
}

export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** PKI failures caused by what the operator typed (passphrase, country), not by the material itself. */
const USAGE_PKI_CODES = new Set(['INVALID_ARGUMENT', 'INVALID_COUNTRY', 'KEY_BAD_PASSPHRASE']);

/** The line to print (without the `corridor: ` prefix) and the exit code for anything thrown by a verb. */
export function describeFailure(err: unknown): { line?: string; exitCode: number } {
  if (err instanceof QuietExit) {
    return { exitCode: err.exitCode };
  }
  if (err instanceof CliError) {
    const text = oneLine(err.message);
    // pki-files speaks "what: what to do"; give it the same shape as every other line.
    const line = text.includes(' — ') ? text : text.replace(/: (?=[^:]*$)/, ' — ');
    return { line, exitCode: err.exitCode };
  }
  if (isPkiError(err)) {
    return {
      line: `${oneLine(err.message)} (${err.code}) — check the key, certificate or passphrase given`,
      exitCode: USAGE_PKI_CODES.has(err.code) ? EXIT_USAGE : EXIT_FAILURE,
    };
  }
  if (err instanceof IdentityError) {
    return { line: `${oneLine(err.message)} (${err.code}) — check the token claims`, exitCode: EXIT_USAGE };
  }
  const message = err instanceof Error ? oneLine(err.message) : 'unknown error';
  return {
    line: `unexpected error: ${message} — report it with the command you ran`,
    exitCode: EXIT_FAILURE,
  };
}
