// corridor login / logout: sign in at the identity provider with the device authorization grant.
import { Command } from 'commander';
import { act } from '../command-kit';
import { CLI_CLIENT_ID, deviceLogin, loginFile, removeLogin } from '../login';
import { parseServiceUrl } from '../settings';

export function registerLogin(program: Command): void {
  program
    .command('login')
    .description(
      'sign in at your identity provider (device authorization grant); tokens kept in .corridor/login.json',
    )
    .requiredOption(
      '--issuer <url>',
      "your realm's issuer URL, e.g. http://127.0.0.1:8180/realms/corridor-it (env CORRIDOR_ISSUER)",
      process.env.CORRIDOR_ISSUER,
    )
    .option('--client-id <id>', 'the command line client at the provider', CLI_CLIENT_ID)
    .action(
      act<{ issuer: string; clientId: string }>(async (out, opts) => {
        const issuer = parseServiceUrl(opts.issuer, '--issuer');
        const login = await deviceLogin({
          issuer,
          clientId: opts.clientId,
          say: (line) => process.stderr.write(`${line}\n`),
        });
        out.result(`signed in as ${login.username ?? 'unknown'}; tokens in ${loginFile()} (mode 600)`, {
          signedIn: true,
          username: login.username ?? null,
          file: loginFile(),
        });
      }),
    );
  program
    .command('logout')
    .description('forget the tokens of corridor login')
    .action(
      act<object>(async (out) => {
        const removed = removeLogin();
        out.result(removed ? 'signed out' : 'not signed in', { signedOut: removed });
        await Promise.resolve();
      }),
    );
}
