// Request DTO -> protobuf Alert (validated command), and Alert -> JSON for the API and the desk.
import {
  Alert,
  AlertSchema,
  BulletinSchema,
  Category,
  Classification,
  create,
  DocumentAlertSchema,
  enumName,
  enumValue,
  FinancialFlowAlertSchema,
  HandlingCode,
  Priority,
  ProtectionReferralSchema,
  RouteAlertSchema,
  SuspectAlertSchema,
  toJson,
} from '@corridor/contracts';
import { parseMrz } from '@corridor/policy';
import { problem } from '@corridor/platform';
import { payloadViolation, PublishAlertDto } from '@corridor/gateway-api';

/** Checks that exactly the payload of the category is present and that an MRZ has valid check digits. */
function checkPayload(dto: PublishAlertDto): void {
  const wrong = payloadViolation(dto);
  if (wrong) {
    throw problem(422, wrong.rule, wrong.message, { field: wrong.field });
  }
  if (dto.document?.mrz?.length) {
    const r = parseMrz(dto.document.mrz);
    if (!r.ok) {
      throw problem(422, r.error.code, `document.mrz: ${r.error.rule}`, { field: 'document.mrz' });
    }
    if (r.mrz.documentNumber !== dto.document.number.replace(/</g, '')) {
      throw problem(
        422,
        'MRZ_NUMBER_MISMATCH',
        `document.mrz carries number ${r.mrz.documentNumber}, not ${dto.document.number}`,
        {
          field: 'document.number',
        },
      );
    }
  }
}

export function alertFromDto(opts: {
  dto: PublishAlertDto;
  id: string;
  threadId: string;
  country: string;
  agency: string;
  nowMs: number;
}): Alert {
  const { dto } = opts;
  checkPayload(dto);
  const alert = create(AlertSchema, {
    id: opts.id,
    threadId: opts.threadId,
    category: enumValue(Category, dto.category),
    priority: enumValue(Priority, dto.priority),
    classification: enumValue(Classification, dto.classification),
    handling: enumValue(HandlingCode, dto.handling),
    originatorCountry: opts.country,
    originatorAgency: opts.agency,
    createdAtMs: BigInt(opts.nowMs),
    title: dto.title,
  });
  if (dto.route) {
    alert.payload = { case: 'route', value: create(RouteAlertSchema, dto.route) };
  } else if (dto.document) {
    alert.payload = { case: 'document', value: create(DocumentAlertSchema, dto.document) };
  } else if (dto.suspect) {
    alert.payload = { case: 'suspect', value: create(SuspectAlertSchema, dto.suspect) };
  } else if (dto.financialFlow) {
    alert.payload = {
      case: 'financialFlow',
      value: create(FinancialFlowAlertSchema, {
        ...dto.financialFlow,
        amountMinor: BigInt(dto.financialFlow.amountMinor),
      }),
    };
  } else if (dto.protectionReferral) {
    const p = dto.protectionReferral;
    alert.payload = {
      case: 'protectionReferral',
      value: create(ProtectionReferralSchema, {
        ...p,
        observedAtMs: p.observedAtMs === undefined ? undefined : BigInt(p.observedAtMs),
      }),
    };
  } else if (dto.bulletin) {
    alert.payload = { case: 'bulletin', value: create(BulletinSchema, dto.bulletin) };
  }
  return alert;
}

const PREFIXES: [RegExp, string][] = [
  [/^CATEGORY_/, ''],
  [/^PRIORITY_/, ''],
  [/^CLASSIFICATION_/, ''],
  [/^HANDLING_CODE_/, ''],
];

/** Protobuf JSON with enum names stripped of their prefix (ROUTE, FLASH, AMBER), as the API speaks. */
export function alertToJson(alert: Alert): Record<string, unknown> {
  const json = toJson(AlertSchema, alert, { alwaysEmitImplicit: false }) as Record<string, unknown>;
  for (const key of ['category', 'priority', 'classification', 'handling']) {
    const v = json[key];
    if (typeof v === 'string') {
      json[key] = PREFIXES.reduce((s, [re, r]) => s.replace(re, r), v);
    }
  }
  return json;
}

export function alertMeta(alert: Alert): {
  category: string;
  classification: string;
  priority: string;
  handling: string;
} {
  return {
    category: enumName(Category, alert.category),
    classification: enumName(Classification, alert.classification),
    priority: enumName(Priority, alert.priority),
    handling: enumName(HandlingCode, alert.handling),
  };
}

/** A feed-row summary that carries no personal data. */
export function alertSummary(alert: Alert): Record<string, unknown> {
  const p = alert.payload;
  switch (p.case) {
    case 'route':
      return {
        originCountry: p.value.originCountry,
        destinationCountry: p.value.destinationCountry,
        transit: p.value.transit.map((w) => w.place || w.country),
        transportMode: p.value.transportMode,
        estimatedPeople: p.value.estimatedPeople,
      };
    case 'document':
      return {
        documentType: p.value.documentType,
        issuingState: p.value.issuingState,
        fraudType: p.value.fraudType,
      };
    case 'suspect':
      return { role: p.value.role, nationalities: p.value.nationalities };
    case 'financialFlow':
      return {
        method: p.value.method,
        fromCountry: p.value.fromCountry,
        toCountry: p.value.toCountry,
        currency: p.value.currency,
      };
    case 'protectionReferral':
      return { need: p.value.need, peopleCount: p.value.peopleCount, lastKnownPlace: p.value.lastKnownPlace };
    case 'bulletin':
      return { summary: p.value.summary, region: p.value.region };
    case undefined:
      return {};
  }
}
