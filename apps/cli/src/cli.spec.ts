// Pure parts of the CLI: local validation with the gateway's own DTO, argument parsers, the one-line
// failure shape and commander's errors turned into usage lines (the e2e suite runs the real binary).
import 'reflect-metadata';
import { InvalidArgumentError } from 'commander';
import { PkiError } from '@corridor/pki';
import { PublishAlertDto } from '@corridor/gateway-api';
import { parseDuration } from './command-kit';
import { validateAs } from './dto-validation';
import { CliError, describeFailure, QuietExit } from './errors';
import { buildProgram } from './program';

const bulletin = {
  category: 'BULLETIN',
  priority: 'ROUTINE',
  classification: 'GREEN',
  handling: 'H3',
  title: 'Weekly note',
  bulletin: { title: 't', summary: 's', body: 'b' },
};

describe('validateAs with the gateway PublishAlertDto', () => {
  it('accepts a valid alert', async () => {
    await expect(validateAs(PublishAlertDto, bulletin)).resolves.toMatchObject({ ok: true });
  });

  it('names an unknown nested field by its JSON path (forbidNonWhitelisted, as the server)', async () => {
    const r = await validateAs(PublishAlertDto, {
      ...bulletin,
      bulletin: { ...bulletin.bulletin, colour: 'red' },
    });
    expect(r).toEqual({
      ok: false,
      violations: [{ field: 'bulletin.colour', message: 'bulletin.colour is not a known field' }],
    });
  });

  it('says a missing field is required, and names array items by index', async () => {
    const { title: _title, ...noTitle } = bulletin;
    const missing = await validateAs(PublishAlertDto, noTitle);
    expect(missing.ok || missing.violations[0]).toEqual({ field: 'title', message: 'title is required' });
    const badRecipient = await validateAs(PublishAlertDto, { ...bulletin, recipients: ['IT', 'italy'] });
    expect(badRecipient.ok || badRecipient.violations[0].field).toBe('recipients');
  });
});

describe('parseDuration', () => {
  it.each([
    ['90s', 90],
    ['15m', 900],
    ['8h', 28800],
    ['7d', 604800],
    ['3600', 3600],
  ])('%s = %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['', '0', '8 hours', '-1h', '1w'])('refuses %j', (text) => {
    expect(() => parseDuration(text)).toThrow(InvalidArgumentError);
  });
});

describe('describeFailure', () => {
  it('prints a CliError as is, with its exit code', () => {
    expect(describeFailure(new CliError('no token — pass --token', 2))).toEqual({
      line: 'no token — pass --token',
      exitCode: 2,
    });
  });

  it('gives "what: what to do" messages the dash shape', () => {
    expect(describeFailure(new CliError('a CA already exists in /x: keep it', 2)).line).toBe(
      'a CA already exists in /x — keep it',
    );
  });

  it('treats a wrong passphrase as a usage error and a revoked certificate as a failure', () => {
    expect(describeFailure(new PkiError('KEY_BAD_PASSPHRASE', 'cannot decrypt')).exitCode).toBe(2);
    expect(describeFailure(new PkiError('CERT_REVOKED', 'revoked')).exitCode).toBe(1);
  });

  it('never prints a stack: unexpected errors become one line, exit 1', () => {
    const r = describeFailure(new TypeError('boom\n    at somewhere (file.js:1:1)'));
    expect(r.exitCode).toBe(1);
    expect(r.line).toMatch(/^unexpected error: boom at somewhere .* — report it/);
    expect(r.line).not.toContain('\n');
  });

  it('prints nothing for a quiet exit', () => {
    expect(describeFailure(new QuietExit(0))).toEqual({ exitCode: 0 });
  });
});

describe('commander errors', () => {
  async function usageLine(args: string[]): Promise<{ line?: string; exitCode: number }> {
    try {
      await buildProgram().parseAsync(['node', 'corridor', ...args]);
    } catch (err) {
      return describeFailure(err);
    }
    throw new Error('expected a usage error');
  }

  it('a group without its verb names the verbs and the help to run', async () => {
    await expect(usageLine(['agreement'])).resolves.toEqual({
      line: 'corridor agreement needs a subcommand (propose, sign, activate, suspend, resume, terminate, list, show) — run corridor agreement --help',
      exitCode: 2,
    });
  });

  it('an unknown option never echoes the value given with it', async () => {
    const r = await usageLine(['agreement', 'list', '--passphrase=s3cret-value']);
    expect(r.exitCode).toBe(2);
    expect(r.line).toContain("unknown option '--passphrase=…'");
    expect(r.line).not.toContain('s3cret');
  });

  it('refuses a passphrase given as a value on a verb that takes one', async () => {
    const r = await usageLine(['pki', 'init', '--dir', '/nonexistent/ca', '--passphrase', 's3cret-value']);
    expect(r).toEqual({
      line: 'a passphrase is never taken as a command-line value — use --passphrase-file FILE or set CORRIDOR_PASSPHRASE',
      exitCode: 2,
    });
  });
});

describe('corridor alert codes', () => {
  it('lists a vocabulary as JSON with --json, and names the vocabularies for an unknown one', async () => {
    const out: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    try {
      await buildProgram().parseAsync(['node', 'corridor', '--json', 'alert', 'codes', 'riskToLife']);
    } finally {
      write.mockRestore();
    }
    expect(JSON.parse(out.join(''))).toEqual({ riskToLife: expect.arrayContaining(['OVERCROWDED_BOAT']) });
    let failure: { line?: string; exitCode: number } | undefined;
    try {
      await buildProgram().parseAsync(['node', 'corridor', 'alert', 'codes', 'colours']);
    } catch (err) {
      failure = describeFailure(err);
    }
    expect(failure).toEqual({
      line: 'unknown vocabulary colours — name one of transportMode, modusOperandi, riskToLife, fraudType, suspectRole, referralNeed',
      exitCode: 2,
    });
  });
});
