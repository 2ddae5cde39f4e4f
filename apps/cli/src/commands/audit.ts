// corridor audit: export a gateway's verifiable log, and verify an export offline against the regional CA
// (every leaf recomputed into the Merkle tree and held against every signed tree head).
import fs from 'node:fs';
import type { Command } from 'commander';
import { type AuditExport, verifyExport } from '@corridor/audit-log';
import { isPkiError, parseRevocationList, verifyCertificateChain } from '@corridor/pki';
import { act, actWithArg, gatewayOptions } from '../command-kit';
import { operationalError, usageError } from '../errors';
import { readStructuredFile } from '../input-files';
import { Remote } from '../remote';
import { gatewayToken, gatewayUrl, readTextFile } from '../settings';

interface ExportOptions {
  gateway?: string;
  token?: string;
  out: string;
  force?: boolean;
}

interface VerifyOptions {
  ca: string;
  crl?: string;
}

export function registerAudit(program: Command): void {
  const audit = program
    .command('audit')
    .description("a gateway's verifiable log: export it, verify it offline");

  gatewayOptions(
    audit
      .command('export')
      .description('download every leaf and signed tree head of a gateway log (token with the auditor role)')
      .requiredOption('--out <file>', 'where to write the export (JSON)')
      .option('--force', 'overwrite the file if it exists'),
  ).action(
    act<ExportOptions>(async (out, opts) => {
      if (fs.existsSync(opts.out) && !opts.force) {
        throw usageError(`${opts.out} already exists`, 'choose another --out or pass --force');
      }
      const gw = new Remote('gateway', gatewayUrl(opts), gatewayToken(opts));
      const doc = await gw.get<AuditExport>('/v1/audit/export');
      try {
        fs.writeFileSync(opts.out, `${JSON.stringify(doc, null, 1)}\n`);
      } catch (err) {
        throw operationalError(
          `cannot write ${opts.out}: ${(err as NodeJS.ErrnoException).code ?? 'write failed'}`,
          'choose a writable --out',
        );
      }
      out.result(
        `wrote ${doc.leaves.length} leaves and ${doc.heads.length} signed heads of gateway ${doc.gateway} to ${opts.out}`,
        { file: opts.out, gateway: doc.gateway, leaves: doc.leaves.length, heads: doc.heads.length },
      );
    }),
  );

  audit
    .command('verify')
    .description('offline: recompute the tree from the leaves and check every signed head against the CA')
    .argument('<file>', 'an export written by corridor audit export')
    .requiredOption('--ca <file>', 'the regional root certificate (PEM) the signing gateway chains to')
    .option('--crl <file>', 'a CRL of the CA (PEM); without it revocation is not checked')
    .action(
      actWithArg<VerifyOptions>(async (out, file, opts) => {
        const caCertPem = readTextFile(opts.ca, '--ca');
        const doc = readStructuredFile(file, 'the export file');
        let revokedSerials = new Set<string>();
        if (opts.crl) {
          try {
            revokedSerials = parseRevocationList({
              crlPem: readTextFile(opts.crl, '--crl'),
              caCertPem,
            }).revokedSerials;
          } catch (err) {
            if (isPkiError(err)) {
              throw operationalError(
                `the CRL is not usable: ${err.message} (${err.code})`,
                'fetch the current CRL',
              );
            }
            throw err;
          }
        }
        const result = verifyExport({
          export: doc as AuditExport,
          verifyCert: (certPem) => {
            verifyCertificateChain({ certPem, caCertPem, revokedSerials, at: new Date() });
          },
        });
        if (!result.ok) {
          const where =
            result.firstBadIndex !== undefined
              ? `index ${result.firstBadIndex}`
              : result.suspectRange
                ? `range [${result.suspectRange.from}, ${result.suspectRange.to})`
                : result.headIndex !== undefined
                  ? `head ${result.headIndex}`
                  : 'the export';
          throw operationalError(
            `audit log rejected: ${result.reason} at ${where}: ${result.message}`,
            'do not rely on this log; keep the file as evidence and report it to the secretariat',
          );
        }
        const uncommitted = result.leafCount - result.committedLeafCount;
        out.result(
          `ok: ${result.leafCount} leaves, ${result.heads.length} signed heads${uncommitted ? ` (${uncommitted} leaves after the last head are not yet signed)` : ''}${opts.crl ? '' : '; revocation not checked (no --crl)'}`,
          {
            ok: true,
            leaves: result.leafCount,
            committedLeaves: result.committedLeafCount,
            signedHeads: result.heads.length,
            revocationChecked: Boolean(opts.crl),
          },
        );
      }),
    );
}
