// The `corridor` command tree. Commander's own errors (unknown option, missing argument…) are turned into
// the same one-line form as every other failure, with the help command to run.
import { Command, CommanderError } from 'commander';
import { registerAgreement } from './commands/agreement';
import { registerAlert } from './commands/alert';
import { registerAudit } from './commands/audit';
import { registerDesk } from './commands/desk';
import { registerLogin } from './commands/login';
import { registerPki } from './commands/pki';
import { registerRegister } from './commands/register';
import { registerStatus } from './commands/status';
import { registerToken } from './commands/token';
import { EXIT_OK, oneLine, QuietExit, usageError } from './errors';
import { ENV } from './settings';

function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) {
    names.unshift(c.name());
  }
  return names.join(' ');
}

function usageFrom(err: CommanderError, cmd: Command): Error {
  if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') {
    return new QuietExit(EXIT_OK);
  }
  const path = commandPath(cmd);
  if (err.code === 'commander.help') {
    const verbs = cmd.commands.map((c) => c.name()).filter((n) => n !== 'help');
    return usageError(`${path} needs a subcommand (${verbs.join(', ')})`, `run ${path} --help`);
  }
  // `--passphrase=…` on a verb without that option would otherwise echo the value back.
  const text = oneLine(err.message.replace(/^error: /, '')).replace(/'(--?[\w-]+)=[^']*'/g, "'$1=…'");
  return usageError(text, `run ${path} --help`);
}

function overrideExits(cmd: Command): void {
  cmd.exitOverride((err) => {
    throw usageFrom(err, cmd);
  });
  cmd.commands.forEach(overrideExits);
}

export function buildProgram(version = '0.1.0'): Command {
  const program = new Command('corridor')
    .description('Corridor for agencies and operators: keys, agreements, alerts, desk feed, audit logs')
    .addHelpText(
      'after',
      `
Errors print one line "corridor: <what went wrong> — <what to do>" on stderr.
Exit codes: 0 success, 1 remote or operational failure, 2 usage error or invalid input.
Environment: ${ENV.gatewayUrl}, ${ENV.token} (gateway), ${ENV.secretariatUrl},
${ENV.secretariatToken} (secretariat), ${ENV.passphrase} (private keys).`,
    )
    .version(version, '-V, --version')
    .option('--json', 'print machine-readable JSON on stdout')
    .showHelpAfterError(false)
    .configureOutput({
      writeErr: () => undefined,
      outputError: () => undefined,
    });
  registerPki(program);
  registerAgreement(program);
  registerAlert(program);
  registerRegister(program);
  registerDesk(program);
  registerAudit(program);
  registerToken(program);
  registerLogin(program);
  registerStatus(program);
  overrideExits(program);
  return program;
}
