// The decoded alert (protobuf JSON, camelCase, enums without prefix) by category; every partner value isolated,
// labels and codes in the reader's language.
import type { ComponentChild } from 'preact';
import type { DeskItem } from '@corridor/gateway-api';
import { PartnerJoin, PartnerText, isolatedPlain } from '../shared/bidi';
import {
  asText,
  formatAmount,
  formatDateTime,
  formatNumber,
  formatPosition,
  isBlank,
} from '../shared/format';
import { currentLanguage, t } from '../shared/i18n';
import { categoryLabel, codeLabel } from '../shared/labels';
import { joinParts, partnerGroup } from './summary';
import { WorldMap } from './LazyMaps';
import type { MapPoint } from './WorldMap';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined => (v && typeof v === 'object' ? (v as Json) : undefined);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** A definition list of label/value pairs; blank values are left out, strings and lists are isolated. */
export function FactList({ pairs }: { pairs: [string, unknown][] }) {
  return (
    <dl class="facts">
      {pairs
        .filter(([, v]) => !isBlank(v))
        .map(([label, value]) => (
          <>
            <dt>{label}</dt>
            <dd>
              {Array.isArray(value) ? (
                <PartnerJoin values={value} separator={t('sep.list')} />
              ) : typeof value === 'object' ? (
                (value as ComponentChild)
              ) : (
                <PartnerText text={value} />
              )}
            </dd>
          </>
        ))}
    </dl>
  );
}

const code = (vocabulary: string, v: unknown): string => (isBlank(v) ? '' : codeLabel(vocabulary, v));

export function AlertBody({ item, alert }: { item: DeskItem; alert: Json }) {
  const lang = currentLanguage();
  const category = typeof alert.category === 'string' ? alert.category : item.category;
  let body: ComponentChild;
  if (obj(alert.route)) {
    body = <Route route={obj(alert.route) ?? {}} />;
  } else if (obj(alert.document)) {
    body = <Document doc={obj(alert.document) ?? {}} />;
  } else if (obj(alert.suspect)) {
    body = <Suspect suspect={obj(alert.suspect) ?? {}} />;
  } else if (obj(alert.financialFlow)) {
    body = <FinancialFlow flow={obj(alert.financialFlow) ?? {}} />;
  } else if (obj(alert.protectionReferral)) {
    body = <ProtectionReferral referral={obj(alert.protectionReferral) ?? {}} />;
  } else if (obj(alert.bulletin)) {
    body = <Bulletin bulletin={obj(alert.bulletin) ?? {}} alertTitle={alert.title} />;
  } else {
    body = (
      <p class="notice notice-redacted">{t('alert.noContent', { category: categoryLabel(category) })}</p>
    );
  }
  return (
    <>
      <FactList
        pairs={[
          [t('alert.originator'), [alert.originatorAgency, alert.originatorCountry].filter(Boolean)],
          [t('alert.created'), formatDateTime(alert.createdAtMs, lang)],
          [t('alert.handling'), code('handling', alert.handling)],
        ]}
      />
      {body}
    </>
  );
}

function Notes({ notes }: { notes: unknown }) {
  return isBlank(notes) ? null : (
    <>
      <h3>{t('alert.notes')}</h3>
      <p class="body-text">
        <PartnerText text={notes} />
      </p>
    </>
  );
}

/** A waypoint as "place (country)", both isolated; no parts when it names neither. */
function waypointParts(w: Json | undefined, country?: unknown): ComponentChild[] {
  const name = w?.place;
  const c = w?.country;
  if (name && c) {
    return [<PartnerText text={name} />, ' (', <PartnerText text={c} />, ')'];
  }
  return partnerGroup(name || c || country);
}

function waypointPlain(w: Json | undefined, country?: unknown): string {
  const name = w?.place ? isolatedPlain(w.place) : '';
  const c = w?.country ? isolatedPlain(w.country) : '';
  return name && c ? `${name} (${c})` : name || c || (country ? isolatedPlain(country) : '');
}

export function routePoints(route: Json): MapPoint[] {
  const stops: { w: Json | undefined; kind: MapPoint['kind'] }[] = [
    { w: obj(route.origin), kind: 'origin' },
    ...list(route.transit).map((w) => ({ w: obj(w), kind: 'transit' as const })),
    { w: obj(route.destination), kind: 'destination' },
  ];
  return stops
    .filter((s) => obj(s.w?.point))
    .map((s) => {
      const p = obj(s.w?.point) ?? {};
      return {
        lon: Number(p.lon ?? 0),
        lat: Number(p.lat ?? 0),
        label: asText(s.w?.place || s.w?.country || ''),
        kind: s.kind,
      };
    });
}

function Route({ route }: { route: Json }) {
  const lang = currentLanguage();
  const transit = list(route.transit).map(obj);
  const points = routePoints(route);
  const path = joinParts(
    [
      waypointParts(obj(route.origin), route.originCountry),
      ...transit.map((w) => waypointParts(w)),
      waypointParts(obj(route.destination), route.destinationCountry),
    ],
    t('sep.arrow'),
  );
  const pathText = [
    waypointPlain(obj(route.origin), route.originCountry),
    ...transit.map((w) => waypointPlain(w)),
    waypointPlain(obj(route.destination), route.destinationCountry),
  ]
    .filter(Boolean)
    .join(t('sep.arrow'));
  const risks = list(route.risksToLife);
  return (
    <section class="section" aria-label={t('alert.route')}>
      <h3>{t('alert.route')}</h3>
      {points.length ? (
        <WorldMap points={points} line description={t('map.routeDescription', { path: pathText })} />
      ) : (
        <p class="hint">{t('map.noCoordinates')}</p>
      )}
      <FactList
        pairs={[
          [t('alert.path'), path.length ? <span data-testid="route-path">{path}</span> : ''],
          [t('alert.originCountry'), route.originCountry],
          [t('alert.destinationCountry'), route.destinationCountry],
          [t('alert.transport'), code('transportMode', route.transportMode)],
          [t('alert.modusOperandi'), code('modusOperandi', route.modusOperandi)],
          [
            t('alert.pricePerPerson'),
            route.pricePerPersonUsd
              ? (formatAmount(Number(route.pricePerPersonUsd) * 100, 'USD', lang) ?? '')
              : '',
          ],
          [
            t('alert.estimatedPeople'),
            isBlank(route.estimatedPeople) ? '' : formatNumber(route.estimatedPeople, lang),
          ],
          [t('alert.note'), route.note],
        ]}
      />
      {risks.length ? (
        <>
          <h3>{t('alert.risksToLife')}</h3>
          <ul class="plain-list">
            {risks.map((risk) => (
              <li>
                <PartnerText text={code('riskToLife', risk)} />
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

function Document({ doc }: { doc: Json }) {
  const mrz = list(doc.mrz);
  return (
    <section class="section" aria-label={t('alert.document')}>
      <h3>{t('alert.document')}</h3>
      <FactList
        pairs={[
          [t('alert.documentType'), code('documentType', doc.documentType)],
          [t('alert.issuingState'), doc.issuingState],
          [t('alert.number'), doc.number],
          [t('alert.fraudType'), code('fraudType', doc.fraudType)],
        ]}
      />
      {mrz.length ? (
        <>
          <h3>{t('alert.mrz')}</h3>
          <pre class="mrz mono" data-testid="mrz" dir="ltr" tabIndex={0}>
            <PartnerText text={mrz.join('\n')} />
          </pre>
        </>
      ) : null}
      <Notes notes={doc.notes} />
    </section>
  );
}

/** A photo as a data: URL of a known image type, or null (anything else is not shown). */
export function photoDataUrl(base64: unknown): string | null {
  if (typeof base64 !== 'string' || !/^[A-Za-z0-9+/_=-]+$/.test(base64)) {
    return null;
  }
  const standard = base64.replace(/-/g, '+').replace(/_/g, '/');
  const types: [string, string][] = [
    ['/9j/', 'image/jpeg'],
    ['iVBORw0KGgo', 'image/png'],
    ['R0lGOD', 'image/gif'],
    ['UklGR', 'image/webp'],
  ];
  const type = types.find(([prefix]) => standard.startsWith(prefix));
  return type ? `data:${type[1]};base64,${standard}` : null;
}

function Suspect({ suspect }: { suspect: Json }) {
  const aliases = list(suspect.aliases);
  const givenNames = list(suspect.givenNames);
  const photo = suspect.photo ? photoDataUrl(suspect.photo) : null;
  return (
    <section class="section" aria-label={t('alert.suspect')}>
      <h3>{t('alert.suspect')}</h3>
      <FactList
        pairs={[
          [t('alert.familyName'), suspect.familyName],
          [t('alert.givenNames'), givenNames.length ? <PartnerJoin values={givenNames} separator=" " /> : ''],
          [
            t('alert.aliases'),
            aliases.length ? (
              <ul class="plain-list" data-testid="aliases">
                {aliases.map((a) => (
                  <li>
                    <PartnerText text={a} />
                  </li>
                ))}
              </ul>
            ) : (
              ''
            ),
          ],
          [t('alert.birthDate'), suspect.birthDate],
          [t('alert.nationalities'), suspect.nationalities],
          [t('alert.role'), code('suspectRole', suspect.role)],
          [t('alert.phones'), suspect.phones],
        ]}
      />
      {suspect.photo ? (
        photo ? (
          <img class="photo" alt={t('alert.photoAlt')} src={photo} />
        ) : (
          <p class="hint">{t('alert.photoUnknown')}</p>
        )
      ) : null}
      <Notes notes={suspect.notes} />
    </section>
  );
}

function FinancialFlow({ flow }: { flow: Json }) {
  const lang = currentLanguage();
  const amount = formatAmount(flow.amountMinor, flow.currency, lang);
  return (
    <section class="section" aria-label={t('alert.financialFlow')}>
      <h3>{t('alert.financialFlow')}</h3>
      <FactList
        pairs={[
          [t('alert.method'), code('paymentMethod', flow.method)],
          [t('alert.from'), flow.fromCountry],
          [t('alert.to'), flow.toCountry],
          [
            t('alert.amount'),
            amount === null
              ? t('alert.minorUnits', {
                  amount: String(flow.amountMinor),
                  currency: String(flow.currency),
                })
              : amount,
          ],
          [t('alert.reference'), flow.reference],
        ]}
      />
      <Notes notes={flow.notes} />
    </section>
  );
}

function ProtectionReferral({ referral }: { referral: Json }) {
  const lang = currentLanguage();
  const position = obj(referral.lastKnownPosition);
  const where = position ? formatPosition(position.lat, position.lon, lang) : '';
  return (
    <section class="section" aria-label={t('alert.protectionReferral')}>
      <h3>{t('alert.protectionReferral')}</h3>
      <p class="notice notice-protect">{t('alert.protectNotice')}</p>
      <FactList
        pairs={[
          [t('alert.need'), code('referralNeed', referral.need)],
          [t('alert.people'), isBlank(referral.peopleCount) ? '' : formatNumber(referral.peopleCount, lang)],
          [t('alert.lastKnownPosition'), where],
          [t('alert.lastKnownPlace'), referral.lastKnownPlace],
          [t('alert.observedAt'), formatDateTime(referral.observedAtMs, lang)],
          [t('alert.contactChannel'), referral.contactChannel],
        ]}
      />
      {position ? (
        <WorldMap
          points={[
            {
              lon: Number(position.lon ?? 0),
              lat: Number(position.lat ?? 0),
              label: asText(referral.lastKnownPlace || where),
              kind: 'position',
            },
          ]}
          line={false}
          description={t('map.positionDescription')}
        />
      ) : null}
      <Notes notes={referral.notes} />
    </section>
  );
}

function Bulletin({ bulletin, alertTitle }: { bulletin: Json; alertTitle: unknown }) {
  return (
    <section class="section" aria-label={t('alert.bulletin')}>
      {bulletin.title && bulletin.title !== alertTitle ? (
        <h3>
          <PartnerText text={bulletin.title} />
        </h3>
      ) : (
        <h3>
          {t('alert.bulletin')}
          {bulletin.title ? (
            <>
              {t('sep.colon')}
              <PartnerText text={bulletin.title} />
            </>
          ) : null}
        </h3>
      )}
      <FactList pairs={[[t('alert.region'), bulletin.region]]} />
      {bulletin.summary ? (
        <p class="body-text" data-testid="summary">
          <PartnerText text={bulletin.summary} />
        </p>
      ) : null}
      {bulletin.body ? (
        <div class="body-text" data-testid="body">
          <PartnerText text={bulletin.body} />
        </div>
      ) : null}
    </section>
  );
}
