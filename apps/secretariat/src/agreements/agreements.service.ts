// The agreement registry: proposal, party signatures, countersignature and activation, suspension and
// termination. Every transition is signed, stored, published on the control topic and enforced in the broker.
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import {
  AgreementState,
  AgreementTermsSchema,
  Category,
  Classification,
  create,
  DirectionTermsSchema,
  enumName,
  enumValue,
  fromBinary,
  HandlingCode,
  OnwardSharing,
  SignedAgreement,
  SignedAgreementSchema,
  SignerRole,
  toBinary,
} from '@corridor/contracts';
import { certificateFingerprint } from '@corridor/pki';
import {
  nextAgreementState,
  PolicyError,
  SECRETARIAT_SIGNER,
  signTerms,
  signTransition,
  validateExcludedFields,
  verifySignedAgreement,
} from '@corridor/policy';
import { problem } from '@corridor/platform';
import { CaService } from '../ca/ca.service';
import { ControlPublisher } from '../ca/control.publisher';
import { KafkaGovernance } from '../governance/kafka-governance';
import { ProposeAgreementDto } from '@corridor/secretariat-api';

type Action = 'SIGN' | 'ACTIVATE' | 'SUSPEND' | 'RESUME' | 'TERMINATE';

export interface AgreementView {
  id: string;
  version: number;
  state: string;
  parties: string[];
  validFrom: string;
  validUntil: string;
  purpose: string;
  /** suites allowed on the pair; empty: any both gateways open */
  suites: number[];
  directions: Record<string, unknown>[];
  signedBy: string[];
  countersigned: boolean;
  history: { state: string; actor: string; at: string; reason: string }[];
  termsBase64: string;
}

export class AgreementsService {
  constructor(
    private readonly ds: DataSource,
    private readonly ca: CaService,
    private readonly governance: KafkaGovernance,
    private readonly control: ControlPublisher,
    private readonly logger: Logger,
  ) {}

  async propose(dto: ProposeAgreementDto, actor: string): Promise<AgreementView> {
    const parties = [...dto.parties].sort();
    if (parties[0] === parties[1]) {
      throw problem(422, 'PARTIES_INVALID', 'an agreement needs two different countries', {
        field: 'parties',
      });
    }
    const validFrom = Date.parse(dto.validFrom);
    const validUntil = Date.parse(dto.validUntil);
    if (!(validUntil > validFrom)) {
      throw problem(422, 'VALIDITY_INVALID', 'validUntil must be after validFrom', { field: 'validUntil' });
    }
    const directions = dto.directions.map((d, i) => {
      if (!parties.includes(d.from) || !parties.includes(d.to) || d.from === d.to) {
        throw problem(422, 'DIRECTION_INVALID', `direction ${d.from}→${d.to} is not between the parties`, {
          field: `directions[${i}]`,
        });
      }
      const unknown = validateExcludedFields(d.excludedFields ?? []);
      if (unknown.length) {
        throw problem(422, 'EXCLUDED_FIELD_UNKNOWN', `unknown field paths: ${unknown.join(', ')}`, {
          field: `directions[${i}].excludedFields`,
        });
      }
      return create(DirectionTermsSchema, {
        from: d.from,
        to: d.to,
        categories: d.categories.map((c) => enumValue(Category, c)!),
        maxClassification: enumValue(Classification, d.maxClassification)!,
        maxHandling: enumValue(HandlingCode, d.maxHandling)!,
        excludedFields: d.excludedFields ?? [],
        retentionDays: d.retentionDays,
        onwardSharing: enumValue(OnwardSharing, d.onwardSharing)!,
        purpose: d.purpose ?? dto.purpose,
      });
    });
    const keys = directions.map((d) => `${d.from}${d.to}`);
    if (new Set(keys).size !== keys.length) {
      throw problem(422, 'DIRECTION_DUPLICATE', 'each direction may appear once', { field: 'directions' });
    }
    const id = `AG-${parties.join('-')}-${uuidv7().slice(-8)}`;
    const terms = create(AgreementTermsSchema, {
      id,
      version: 1,
      parties,
      validFromMs: BigInt(validFrom),
      validUntilMs: BigInt(validUntil),
      directions,
      purpose: dto.purpose,
      suites: [...new Set(dto.suites ?? [])],
    });
    const signed = create(SignedAgreementSchema, {
      terms: toBinary(AgreementTermsSchema, terms),
      signatures: [],
      transitions: [],
    });
    this.addTransition(signed, AgreementState.PROPOSED, actor, 'proposed');
    await this.ds.query(
      'insert into agreements (id, version, state, parties, signed) values ($1, 1, $2, $3, $4)',
      [id, 'PROPOSED', parties, Buffer.from(toBinary(SignedAgreementSchema, signed))],
    );
    await this.publish(signed);
    this.logger.info({ agreement: id, parties, actor }, 'agreement proposed');
    return this.view(signed);
  }

  private addTransition(signed: SignedAgreement, state: AgreementState, actor: string, reason: string): void {
    const terms = fromBinary(AgreementTermsSchema, signed.terms);
    const atMs = Date.now();
    signed.transitions.push({
      $typeName: 'corridor.v1.AgreementTransition',
      state,
      actor,
      atMs: BigInt(atMs),
      reason,
      certFingerprint: certificateFingerprint(this.ca.ca.certPem),
      signature: signTransition({
        agreementId: terms.id,
        version: terms.version,
        state,
        actor,
        atMs,
        reason,
        privateKey: this.ca.ca.key,
      }),
    });
  }

  private async load(id: string): Promise<SignedAgreement> {
    const rows = await this.ds.query<{ signed: Buffer }[]>('select signed from agreements where id = $1', [
      id,
    ]);
    if (!rows.length) {
      throw problem(404, 'AGREEMENT_NOT_FOUND', `no agreement ${id}`, { field: 'id' });
    }
    return fromBinary(SignedAgreementSchema, rows[0].signed);
  }

  private verify(signed: SignedAgreement) {
    return verifySignedAgreement({
      signed,
      partyCert: (country, fingerprint) => this.certCache.get(`${country}/${fingerprint}`),
      secretariatKey: this.ca.ca.certPem,
    });
  }

  private readonly certCache = new Map<string, string>();

  private async warmCerts(signed: SignedAgreement): Promise<void> {
    for (const s of signed.signatures.filter((x) => x.role === SignerRole.PARTY)) {
      const pem = await this.ca.certificateOf(s.signer, s.certFingerprint);
      if (pem) {
        this.certCache.set(`${s.signer}/${s.certFingerprint}`, pem);
      }
    }
  }

  private async save(signed: SignedAgreement, state: AgreementState): Promise<void> {
    await this.ds.query('update agreements set state = $2, signed = $3, updated_at = now() where id = $1', [
      fromBinary(AgreementTermsSchema, signed.terms).id,
      enumName(AgreementState, state),
      Buffer.from(toBinary(SignedAgreementSchema, signed)),
    ]);
    await this.publish(signed);
  }

  private async publish(signed: SignedAgreement): Promise<void> {
    const terms = fromBinary(AgreementTermsSchema, signed.terms);
    await this.control.publish({
      key: `agreement/${terms.id}`,
      record: { case: 'agreement', value: signed },
    });
  }

  private transition(
    current: AgreementState,
    action: Action,
    role: 'PARTY' | 'SECRETARIAT',
    partySignatures: number,
  ): AgreementState {
    try {
      return nextAgreementState({ current, action, actorRole: role, partySignatures });
    } catch (err) {
      if (err instanceof PolicyError) {
        throw problem(
          409,
          'INVALID_TRANSITION',
          `cannot ${action} an agreement that is ${enumName(AgreementState, current)}`,
          { field: 'state' },
        );
      }
      throw err;
    }
  }

  /** A party's signature over the exact terms bytes, made by its gateway key; checked against its certificate. */
  async addPartySignature(
    id: string,
    sig: { signer: string; signature: string; certFingerprint: string },
  ): Promise<AgreementView> {
    const signed = await this.load(id);
    await this.warmCerts(signed);
    const current = this.verify(signed);
    const terms = current.terms;
    if (!terms.parties.includes(sig.signer)) {
      throw problem(422, 'NOT_A_PARTY', `${sig.signer} is not a party to ${id}`, { field: 'signer' });
    }
    const certPem = await this.ca.certificateOf(sig.signer, sig.certFingerprint);
    if (!certPem) {
      throw problem(
        422,
        'UNKNOWN_CERTIFICATE',
        `no valid certificate ${sig.certFingerprint} for ${sig.signer}`,
        { field: 'certFingerprint' },
      );
    }
    this.certCache.set(`${sig.signer}/${sig.certFingerprint}`, certPem);
    const candidate = create(SignedAgreementSchema, {
      terms: signed.terms,
      transitions: signed.transitions,
      signatures: [
        ...signed.signatures.filter((s) => s.signer !== sig.signer),
        {
          signer: sig.signer,
          role: SignerRole.PARTY,
          certFingerprint: sig.certFingerprint,
          signedAtMs: BigInt(Date.now()),
          signature: Buffer.from(sig.signature, 'base64'),
        },
      ],
    });
    let checked;
    try {
      checked = this.verify(candidate);
    } catch {
      throw problem(
        422,
        'SIGNATURE_INVALID',
        `the signature of ${sig.signer} does not verify over the terms of ${id}`,
        { field: 'signature' },
      );
    }
    let state = current.state;
    if (checked.partiesSigned.length === 2 && state === AgreementState.PROPOSED) {
      state = this.transition(state, 'SIGN', 'PARTY', 2);
      this.addTransition(candidate, state, sig.signer, 'signed by both parties');
    }
    await this.save(candidate, state);
    this.logger.info({ agreement: id, signer: sig.signer }, 'party signature added');
    return this.view(candidate);
  }

  async activate(id: string, actor: string): Promise<AgreementView> {
    const signed = await this.load(id);
    await this.warmCerts(signed);
    const current = this.verify(signed);
    const state = this.transition(current.state, 'ACTIVATE', 'SECRETARIAT', current.partiesSigned.length);
    const parties = current.terms.parties as [string, string];
    const clash = await this.ds.query<{ id: string }[]>(
      "select id from agreements where parties = $1 and state in ('ACTIVE', 'SUSPENDED') and id <> $2",
      [parties, id],
    );
    if (clash.length) {
      throw problem(
        409,
        'AGREEMENT_EXISTS',
        `${clash[0].id} already governs ${parties.join('↔')}: terminate it first`,
        { field: 'id' },
      );
    }
    if (!signed.signatures.some((s) => s.role === SignerRole.SECRETARIAT)) {
      signed.signatures.push({
        $typeName: 'corridor.v1.AgreementSignature',
        signer: SECRETARIAT_SIGNER,
        role: SignerRole.SECRETARIAT,
        certFingerprint: certificateFingerprint(this.ca.ca.certPem),
        signedAtMs: BigInt(Date.now()),
        signature: signTerms({ terms: signed.terms, privateKey: this.ca.ca.key }),
      });
    }
    await this.governance.openAgreement(parties);
    this.addTransition(signed, state, actor, 'countersigned and activated');
    await this.save(signed, state);
    this.logger.info({ agreement: id }, 'agreement active');
    return this.view(signed);
  }

  async change(
    id: string,
    action: 'SUSPEND' | 'RESUME' | 'TERMINATE',
    actor: string,
    reason: string,
  ): Promise<AgreementView> {
    const signed = await this.load(id);
    await this.warmCerts(signed);
    const current = this.verify(signed);
    const state = this.transition(current.state, action, 'SECRETARIAT', current.partiesSigned.length);
    const parties = current.terms.parties as [string, string];
    if (state === AgreementState.ACTIVE) {
      await this.governance.openAgreement(parties);
    } else if (current.state === AgreementState.ACTIVE) {
      // Broker first: from this moment the pair's traffic is refused even before gateways read the record.
      await this.governance.closeAgreement(parties);
    }
    this.addTransition(signed, state, actor, reason);
    await this.save(signed, state);
    this.logger.warn({ agreement: id, action, reason }, 'agreement changed');
    return this.view(signed);
  }

  async list(): Promise<AgreementView[]> {
    const rows = await this.ds.query<{ signed: Buffer }[]>(
      'select signed from agreements order by created_at',
    );
    const out: AgreementView[] = [];
    for (const r of rows) {
      const signed = fromBinary(SignedAgreementSchema, r.signed);
      await this.warmCerts(signed);
      out.push(this.view(signed));
    }
    return out;
  }

  async get(id: string): Promise<AgreementView> {
    const signed = await this.load(id);
    await this.warmCerts(signed);
    return this.view(signed);
  }

  private view(signed: SignedAgreement): AgreementView {
    const v = this.verify(signed);
    const t = v.terms;
    return {
      id: t.id,
      version: t.version,
      state: enumName(AgreementState, v.state),
      parties: t.parties,
      validFrom: new Date(Number(t.validFromMs)).toISOString(),
      validUntil: new Date(Number(t.validUntilMs)).toISOString(),
      purpose: t.purpose,
      suites: t.suites,
      directions: t.directions.map((d) => ({
        from: d.from,
        to: d.to,
        categories: d.categories.map((c) => enumName(Category, c)),
        maxClassification: enumName(Classification, d.maxClassification),
        maxHandling: enumName(HandlingCode, d.maxHandling),
        excludedFields: d.excludedFields,
        retentionDays: d.retentionDays,
        onwardSharing: enumName(OnwardSharing, d.onwardSharing),
        purpose: d.purpose,
      })),
      signedBy: v.partiesSigned,
      countersigned: v.countersigned,
      history: v.history.map((h) => ({
        state: h.state,
        actor: h.actor,
        at: new Date(h.atMs).toISOString(),
        reason: h.reason,
      })),
      termsBase64: Buffer.from(signed.terms).toString('base64'),
    };
  }
}
