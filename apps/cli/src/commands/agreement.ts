// corridor agreement: propose terms (checked here with the secretariat's own request class first), have a
// party's gateway sign them, and drive the lifecycle (activate, suspend, resume, terminate) at the secretariat.
import type { Command } from 'commander';
import { act, secretariatOptions } from '../command-kit';
import { operationalError, usageError } from '../errors';
import { readStructuredFile, requireObject } from '../input-files';
import { table } from '../output';
import { Remote } from '../remote';
import { ENV, gatewayUrl, pickToken, requireToken, secretariatToken, secretariatUrl } from '../settings';

export interface AgreementView {
  id: string;
  version: number;
  state: string;
  parties: string[];
  validFrom: string;
  validUntil: string;
  purpose: string;
  directions: {
    from: string;
    to: string;
    categories: string[];
    maxClassification: string;
    maxHandling: string;
    excludedFields: string[];
    retentionDays: number;
    onwardSharing: string;
    purpose?: string;
  }[];
  signedBy: string[];
  countersigned: boolean;
  history: { state: string; actor: string; at: string; reason: string }[];
  termsBase64: string;
}

interface SecretariatOptions {
  secretariat?: string;
  token?: string;
}

interface IdOptions extends SecretariatOptions {
  id: string;
}

interface TransitionOptions extends IdOptions {
  reason?: string;
}

interface SignOptions extends IdOptions {
  gateway?: string;
  gatewayToken?: string;
}

function secretariat(opts: SecretariatOptions): Remote {
  return new Remote('secretariat', secretariatUrl(opts), secretariatToken(opts));
}

function checkId(id: string): string {
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(id)) {
    throw usageError(
      `--id ${JSON.stringify(id)} is not an agreement id`,
      'copy it from corridor agreement list',
    );
  }
  return id;
}

const arrow = (parties: string[]): string => parties.join('↔');

function signedBy(a: AgreementView): string {
  const parties = a.signedBy.length ? a.signedBy.join(',') : '-';
  return a.countersigned ? `${parties}+secretariat` : parties;
}

function describe(a: AgreementView): string[] {
  return [
    `${a.id}  (version ${a.version})`,
    `  parties      ${arrow(a.parties)}`,
    `  state        ${a.state}`,
    `  valid        ${a.validFrom} → ${a.validUntil}`,
    `  purpose      ${a.purpose}`,
    `  signed by    ${a.signedBy.join(', ') || 'nobody yet'}${a.countersigned ? '; countersigned by the secretariat' : ''}`,
    '  directions',
    ...a.directions.map(
      (d) =>
        `    ${d.from}→${d.to}  ${d.categories.join(', ')}  up to ${d.maxClassification}/${d.maxHandling}, ` +
        `retention ${d.retentionDays} d, onward sharing ${d.onwardSharing}` +
        (d.excludedFields.length ? `, excludes ${d.excludedFields.join(', ')}` : ''),
    ),
    '  history',
    ...a.history.map((h) => `    ${h.at}  ${h.state.padEnd(10)} ${h.actor}: ${h.reason}`),
  ];
}

function stripTerms(a: AgreementView): Omit<AgreementView, 'termsBase64'> {
  const { termsBase64: _terms, ...rest } = a;
  return rest;
}

/** The same checks the secretariat makes, so a bad file fails here with one line naming the field. */
async function checkProposal(doc: Record<string, unknown>): Promise<void> {
  const [{ ProposeAgreementDto }, { validateAs }, { validateExcludedFields }] = await Promise.all([
    import('@corridor/secretariat-api'),
    import('../dto-validation'),
    import('@corridor/policy'),
  ]);
  const checked = await validateAs(ProposeAgreementDto, doc);
  const fix = 'fix the terms file';
  if (!checked.ok) {
    const v = checked.violations[0];
    throw usageError(v.message.startsWith(v.field) ? v.message : `${v.field}: ${v.message}`, fix);
  }
  const dto = checked.value;
  if (dto.parties[0] === dto.parties[1]) {
    throw usageError('parties: an agreement needs two different countries', fix);
  }
  if (!(Date.parse(dto.validUntil) > Date.parse(dto.validFrom))) {
    throw usageError('validUntil: must be after validFrom', fix);
  }
  const seen = new Set<string>();
  dto.directions.forEach((d, i) => {
    if (!dto.parties.includes(d.from) || !dto.parties.includes(d.to) || d.from === d.to) {
      throw usageError(`directions[${i}]: ${d.from}→${d.to} is not between the parties`, fix);
    }
    if (seen.has(`${d.from}${d.to}`)) {
      throw usageError(`directions[${i}]: ${d.from}→${d.to} appears twice`, fix);
    }
    seen.add(`${d.from}${d.to}`);
    const unknown = validateExcludedFields(d.excludedFields ?? []);
    if (unknown.length) {
      throw usageError(`directions[${i}].excludedFields: unknown field paths ${unknown.join(', ')}`, fix);
    }
  });
}

export function registerAgreement(program: Command): void {
  const agreement = program
    .command('agreement')
    .description('bilateral sharing agreements at the secretariat: propose, sign, activate, suspend, list');

  secretariatOptions(
    agreement
      .command('propose')
      .description('propose an agreement from a terms file (.json or .yaml); it starts PROPOSED')
      .requiredOption('--file <file>', 'terms: parties, validFrom, validUntil, purpose, directions[]'),
  )
    .addHelpText(
      'after',
      `
Terms file (JSON or YAML):
  parties: [LY, TN]
  validFrom: 2026-01-01T00:00:00Z
  validUntil: 2027-12-31T23:59:59Z
  purpose: countering migrant smuggling on the central Mediterranean route
  directions:
    - { from: LY, to: TN, categories: [ROUTE, BULLETIN], maxClassification: AMBER,
        maxHandling: H3, retentionDays: 30, onwardSharing: FORBIDDEN, excludedFields: [] }`,
    )
    .action(
      act<SecretariatOptions & { file: string }>(async (out, opts) => {
        const doc = requireObject(readStructuredFile(opts.file, '--file'), `the terms file ${opts.file}`);
        await checkProposal(doc);
        const view = await secretariat(opts).post<AgreementView>('/v1/agreements', doc);
        out.result(
          [
            `proposed ${view.id}: ${arrow(view.parties)}, state ${view.state}`,
            `  next: each party signs with "corridor agreement sign --id ${view.id} --gateway <its gateway>"`,
          ],
          stripTerms(view),
        );
      }),
    );

  secretariatOptions(
    agreement
      .command('sign')
      .description("sign the terms with a party's gateway key and hand the signature to the secretariat")
      .requiredOption('--id <id>', 'agreement id')
      .option('--gateway <url>', `the signing party's gateway (env ${ENV.gatewayUrl})`)
      .option('--gateway-token <token>', `admin token of that gateway (env ${ENV.token})`),
  ).action(
    act<SignOptions>(async (out, opts) => {
      const id = checkId(opts.id);
      const sec = secretariat(opts);
      const gatewayCredentials = requireToken(
        pickToken([
          { value: opts.gatewayToken, source: '--gateway-token' },
          { value: process.env[ENV.token], source: ENV.token },
        ]),
        'gateway admin',
        `--gateway-token or set ${ENV.token}`,
      );
      const gateway = new Remote('gateway', gatewayUrl(opts), gatewayCredentials);
      const current = await sec.get<AgreementView>(`/v1/agreements/${encodeURIComponent(id)}`);
      if (current.state !== 'PROPOSED') {
        throw operationalError(
          `${id} is ${current.state}: only a PROPOSED agreement takes party signatures`,
          'check the id with corridor agreement show',
        );
      }
      const sig = await gateway.post<{
        signer: string;
        signature: string;
        certFingerprint: string;
        agreementId: string;
      }>('/v1/agreements/sign', { termsBase64: current.termsBase64 });
      if (sig.agreementId !== id) {
        throw operationalError(
          `the gateway signed ${sig.agreementId}, not ${id}`,
          'nothing was submitted; check the secretariat URL and the id',
        );
      }
      const view = await sec.post<AgreementView>(`/v1/agreements/${encodeURIComponent(id)}/signatures`, {
        signer: sig.signer,
        signature: sig.signature,
        certFingerprint: sig.certFingerprint,
      });
      out.result(
        `${sig.signer} signed ${id} (certificate ${sig.certFingerprint.slice(0, 16)}…); state ${view.state}, signed by ${signedBy(view)}`,
        { signer: sig.signer, certFingerprint: sig.certFingerprint, agreement: stripTerms(view) },
      );
    }),
  );

  const transitions: { verb: string; description: string; reason: 'none' | 'required' | 'optional' }[] = [
    {
      verb: 'activate',
      description: 'countersign and activate a SIGNED agreement: the broker opens the pair',
      reason: 'none',
    },
    {
      verb: 'suspend',
      description: 'suspend an ACTIVE agreement: the broker refuses the pair at once',
      reason: 'required',
    },
    { verb: 'resume', description: 'resume a SUSPENDED agreement', reason: 'optional' },
    { verb: 'terminate', description: 'terminate an agreement (final)', reason: 'required' },
  ];
  for (const t of transitions) {
    const cmd = agreement
      .command(t.verb)
      .description(t.description)
      .requiredOption('--id <id>', 'agreement id');
    if (t.reason !== 'none') {
      cmd.option(
        '--reason <text>',
        `why (kept in the signed history)${t.reason === 'required' ? ', required' : ''}`,
      );
    }
    secretariatOptions(cmd).action(
      act<TransitionOptions>(async (out, opts) => {
        const id = checkId(opts.id);
        let body: { reason: string } | undefined;
        if (t.reason !== 'none') {
          const reason =
            opts.reason ?? (t.reason === 'optional' ? `${t.verb}d by the secretariat` : undefined);
          if (!reason?.trim()) {
            throw usageError(`${t.verb} needs --reason`, 'say why: it is signed into the agreement history');
          }
          if (reason.length > 500) {
            throw usageError('--reason is longer than 500 characters', 'shorten it');
          }
          body = { reason };
        }
        const view = await secretariat(opts).post<AgreementView>(
          `/v1/agreements/${encodeURIComponent(id)}/${t.verb}`,
          body,
        );
        out.result(`${id}: ${view.state}`, stripTerms(view));
      }),
    );
  }

  secretariatOptions(
    agreement.command('list').description('every agreement with its state and signatures'),
  ).action(
    act<SecretariatOptions>(async (out, opts) => {
      const list = await secretariat(opts).get<AgreementView[]>('/v1/agreements');
      out.result(
        list.length
          ? table(
              ['ID', 'PARTIES', 'STATE', 'SIGNED BY'],
              list.map((a) => [a.id, arrow(a.parties), a.state, signedBy(a)]),
            )
          : ['no agreements yet'],
        list.map(stripTerms),
      );
    }),
  );

  secretariatOptions(
    agreement
      .command('show')
      .description('one agreement: terms per direction, signatures and signed history')
      .requiredOption('--id <id>', 'agreement id'),
  ).action(
    act<IdOptions>(async (out, opts) => {
      const view = await secretariat(opts).get<AgreementView>(
        `/v1/agreements/${encodeURIComponent(checkId(opts.id))}`,
      );
      out.result(describe(view), stripTerms(view));
    }),
  );
}
