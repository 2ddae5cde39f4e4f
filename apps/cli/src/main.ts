#!/usr/bin/env node
// `corridor`: the command-line tool for agencies and operators (see `corridor --help`).
import 'reflect-metadata';
import { describeFailure, EXIT_FAILURE } from './errors';
import { refreshStoredLogin } from './login';
import { buildProgram } from './program';

function exit(code: number): void {
  // Let stdout drain (a pipe to `jq`, a file) before the process goes.
  process.stdout.write('', () => process.exit(code));
}

function fail(err: unknown): void {
  const { line, exitCode } = describeFailure(err);
  if (line) {
    process.stderr.write(`corridor: ${line}\n`);
  }
  exit(exitCode);
}

// A reader that stops early (`| head`) is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') {
    process.exit(0);
  }
});
process.on('unhandledRejection', (err) => fail(err));
process.on('uncaughtException', (err) => fail(err));

refreshStoredLogin()
  .then(() => buildProgram().parseAsync(process.argv))
  .then(
    () => exit(0),
    (err: unknown) => fail(err),
  )
  .catch(() => process.exit(EXIT_FAILURE));
