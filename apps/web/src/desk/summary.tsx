// The one-line, non-personal summary of a feed row, from the server's `summary` object; every partner value isolated,
// the separators and labels the desk's own, in the reader's language.
import type { ComponentChild } from 'preact';
import type { DeskItem } from '@corridor/gateway-api';
import { PartnerJoin, PartnerText, tx } from '../shared/bidi';
import { isBlank } from '../shared/format';
import { codeLabel } from '../shared/labels';
import { t } from '../shared/i18n';

type Parts = ComponentChild[];

/** Joins groups of parts with a separator, leaving out empty groups. */
export function joinParts(groups: Parts[], separator: string): Parts {
  const joined: Parts = [];
  for (const group of groups) {
    if (group.length) {
      if (joined.length) {
        joined.push(separator);
      }
      joined.push(...group);
    }
  }
  return joined;
}

export function partnerGroup(value: unknown): Parts {
  return isBlank(value) ? [] : [<PartnerText text={value} />];
}

/** A code from a vocabulary in the reader's language, or the partner's own word when the code is unknown. */
export function codeGroup(vocabulary: string, value: unknown): Parts {
  return isBlank(value) ? [] : [<PartnerText text={codeLabel(vocabulary, value)} />];
}

export function summaryParts(item: DeskItem): Parts {
  const s = item.summary;
  switch (item.category) {
    case 'ROUTE': {
      const transit = Array.isArray(s.transit) ? (s.transit as unknown[]) : [];
      const stops = [s.originCountry, ...transit, s.destinationCountry].filter((x) => !isBlank(x));
      const path = joinParts(
        stops.map((x) => [<PartnerText text={x} />]),
        t('sep.arrow'),
      );
      const extra = joinParts(
        [
          codeGroup('transportMode', s.transportMode),
          isBlank(s.estimatedPeople)
            ? []
            : tx('summary.people', { n: <PartnerText text={s.estimatedPeople} /> }),
        ],
        t('sep.list'),
      );
      return extra.length ? [...path, ' (', ...extra, ')'] : path;
    }
    case 'DOCUMENT':
      return joinParts(
        [
          codeGroup('documentType', s.documentType),
          partnerGroup(s.issuingState),
          codeGroup('fraudType', s.fraudType),
        ],
        ' · ',
      );
    case 'SUSPECT':
      return joinParts(
        [
          codeGroup('suspectRole', s.role),
          Array.isArray(s.nationalities) && s.nationalities.length
            ? [<PartnerJoin values={s.nationalities as unknown[]} separator={t('sep.list')} />]
            : [],
        ],
        ' · ',
      );
    case 'FINANCIAL_FLOW':
      return joinParts(
        [
          codeGroup('paymentMethod', s.method),
          joinParts([partnerGroup(s.fromCountry), partnerGroup(s.toCountry)], t('sep.arrow')),
          partnerGroup(s.currency),
        ],
        ' · ',
      );
    case 'PROTECTION_REFERRAL':
      return joinParts(
        [
          codeGroup('referralNeed', s.need),
          isBlank(s.peopleCount) ? [] : tx('summary.people', { n: <PartnerText text={s.peopleCount} /> }),
          partnerGroup(s.lastKnownPlace),
        ],
        ' · ',
      );
    case 'BULLETIN':
      return joinParts([partnerGroup(s.region), partnerGroup(s.summary)], ' — ');
    default:
      return joinParts(
        Object.entries(s)
          .filter(([, v]) => typeof v === 'string' || typeof v === 'number')
          .map(([k, v]) => [<PartnerText text={k} />, ': ', <PartnerText text={v} />]),
        ' · ',
      );
  }
}
