// corridor token issue: for operators who hold a gateway's (or the secretariat's) token secret.
// The token is printed on stdout for piping; the secret is only read from a file, never printed.
import fs from 'node:fs';
import type { Command } from 'commander';
import {
  gatewayAudience,
  issueToken,
  Principal,
  Role,
  ROLES,
  SECRETARIAT_AUDIENCE,
} from '@corridor/identity';
import { act, parseCountry, parseDuration, parseList } from '../command-kit';
import { usageError } from '../errors';
import { readTextFile } from '../settings';

interface IssueOptions {
  country?: string;
  roles: string[];
  sub?: string;
  clearance?: string;
  categories?: string[];
  desk?: string;
  agency?: string;
  ttl: number;
  secretFile: string;
  audience: string;
  out?: string;
}

const MAX_TTL_SECONDS = 30 * 86400;

export function registerToken(program: Command): void {
  const token = program
    .command('token')
    .description('bearer tokens for agencies, officers, auditors, operators');
  token
    .command('issue')
    .description('sign a token with the token secret of a gateway (or the secretariat)')
    .option(
      '--country <CC>',
      'the gateway country the token is for (required unless --audience secretariat)',
      parseCountry,
    )
    .requiredOption('--roles <r1,r2>', `comma-separated: ${ROLES.join(', ')}`, parseList)
    .option('--sub <id>', 'officer, agency or operator id (default: cli-<first role>)')
    .option('--clearance <tlp>', 'highest TLP the officer may see: CLEAR, GREEN, AMBER, AMBER_STRICT, RED')
    .option('--categories <A,B>', "categories on the officer's desk, e.g. ROUTE,DOCUMENT", parseList)
    .option('--desk <name>', 'officer desk, e.g. maritime')
    .option('--agency <name>', 'publishing agency shown as originator')
    .option('--ttl <duration>', 'lifetime: 90s, 15m, 8h, 7d (at most 30d)', parseDuration, 8 * 3600)
    .requiredOption(
      '--secret-file <file>',
      'file holding the development token secret (AUTH_DEV_TOKEN_SECRET of the service)',
    )
    .option('--audience <who>', 'gateway (default) or secretariat', 'gateway')
    .option('--out <file>', 'write the token to this file (mode 600) instead of stdout')
    .action(
      act<IssueOptions>(async (out, opts) => {
        if (opts.audience !== 'gateway' && opts.audience !== 'secretariat') {
          throw usageError('--audience must be gateway or secretariat', 'see corridor token issue --help');
        }
        const forSecretariat = opts.audience === 'secretariat';
        if (!opts.country && !forSecretariat) {
          throw usageError(
            "required option '--country <CC>' not specified",
            'name the gateway country, e.g. --country LY',
          );
        }
        const unknownRole = opts.roles.find((r) => !(ROLES as readonly string[]).includes(r));
        if (!opts.roles.length || unknownRole !== undefined) {
          throw usageError(`--roles: ${unknownRole ?? '(empty)'} is not a role`, `use ${ROLES.join(', ')}`);
        }
        if (opts.ttl > MAX_TTL_SECONDS) {
          throw usageError('--ttl is longer than 30 days', 'issue a shorter-lived token and renew it');
        }
        const secret = readTextFile(opts.secretFile, '--secret-file').trim();
        if (secret.length < 16) {
          throw usageError(
            `--secret-file ${opts.secretFile} holds no usable secret`,
            'give the file with the service token secret',
          );
        }
        const roles = opts.roles as Role[];
        const principal: Principal = {
          sub: opts.sub ?? `cli-${roles[0]}`,
          // The secretariat ignores the country of its operators; ZZ is the ISO "unknown" code.
          country: opts.country ?? 'ZZ',
          roles,
          ...(opts.clearance ? { clearance: opts.clearance.toUpperCase().replace('+', '_') } : {}),
          ...(opts.categories ? { categories: opts.categories.map((c) => c.toUpperCase()) } : {}),
          ...(opts.desk ? { desk: opts.desk } : {}),
          ...(opts.agency ? { agency: opts.agency } : {}),
        };
        const audience = forSecretariat ? SECRETARIAT_AUDIENCE : gatewayAudience(principal.country);
        const jwt = issueToken({ principal, secret, ttlSeconds: opts.ttl, audience });
        const expiresAt = new Date(Date.now() + opts.ttl * 1000).toISOString();
        if (opts.out) {
          fs.writeFileSync(opts.out, `${jwt}\n`, { mode: 0o600 });
          fs.chmodSync(opts.out, 0o600);
          out.result(
            `wrote a token for ${principal.sub} (${roles.join(', ')}) to ${opts.out}, valid until ${expiresAt}`,
            {
              file: opts.out,
              audience,
              expiresAt,
              principal,
            },
          );
          return;
        }
        out.result(jwt, { token: jwt, audience, expiresAt, principal });
      }),
    );
}
