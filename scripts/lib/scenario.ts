// The demo scenario along the Central Mediterranean route: realistic alerts over time, built from the
// documented corridors and the ICAO 9303 specimen (no real person). Each step says what it shows.
import fs from 'node:fs';
import path from 'node:path';
import { call, HttpError, Network } from './network';

interface Waypoint {
  place: string;
  country: string;
  lat: number;
  lon: number;
}

function sharedData(): {
  corridors: { name: string; waypoints: Waypoint[] }[];
  documents: { icao_specimen_td3: string[] };
} {
  const candidates = [
    path.join(__dirname, '..', '..', '..', 'shared', 'data', 'corridors.json'),
    path.join(__dirname, '..', '..', 'test', 'fixtures', 'corridors.json'),
  ];
  const file = candidates.find((f) => fs.existsSync(f));
  if (!file) {
    throw new Error('corridors.json not found (expected ../shared/data/corridors.json)');
  }
  return JSON.parse(fs.readFileSync(file, 'utf8')) as ReturnType<typeof sharedData>;
}

export interface ScenarioStep {
  from: string;
  what: string;
  body?: Record<string, unknown>;
  withdrawStep?: number;
}

export function scenarioSteps(): ScenarioStep[] {
  const data = sharedData();
  const wp = data.corridors.find((c) => c.name === 'Central Mediterranean')!.waypoints;
  const at = (place: string) => {
    const w = wp.find((x) => x.place === place)!;
    return { place: w.place, country: w.country, point: { lat: w.lat, lon: w.lon } };
  };
  return [
    {
      from: 'NE',
      what: 'Niger warns Libya of a convoy crossing the Sahara (ROUTE, URGENT)',
      body: {
        category: 'ROUTE',
        priority: 'URGENT',
        classification: 'AMBER',
        handling: 'H2',
        title: 'Convoy of 8 pick-ups left Agadez northbound',
        recipients: ['LY'],
        route: {
          originCountry: 'NE',
          origin: at('Agadez'),
          transit: [at('Dirkou'), at('Sabha')],
          destinationCountry: 'LY',
          destination: at('Tripoli'),
          transportMode: 'PICKUP_TRUCK',
          modusOperandi: 'NIGHT_CONVOYS',
          pricePerPersonUsd: 800,
          estimatedPeople: 160,
          risksToLife: ['DESERT_WITHOUT_WATER', 'ABANDONMENT_BY_DRIVERS'],
          note: 'convoy of 8 vehicles, GPS and satellite phone carried by the driver',
        },
      },
    },
    {
      from: 'LY',
      what: 'Libya tells Italy of imminent departures from Zuwara (ROUTE, URGENT)',
      body: {
        category: 'ROUTE',
        priority: 'URGENT',
        classification: 'AMBER',
        handling: 'H2',
        title: 'Departures expected tonight from Zuwara towards Lampedusa',
        recipients: ['IT'],
        route: {
          originCountry: 'LY',
          origin: at('Zuwara'),
          transit: [],
          destinationCountry: 'IT',
          destination: at('Lampedusa'),
          transportMode: 'RUBBER_BOAT',
          modusOperandi: 'STAGGERED_DEPARTURES',
          pricePerPersonUsd: 2500,
          estimatedPeople: 140,
          risksToLife: ['OVERCROWDED_BOAT', 'NO_LIFE_JACKETS'],
          note: 'three boats launched a few hours apart',
        },
      },
    },
    {
      from: 'LY',
      what: 'Libya shares a counterfeit passport series with Italy and Niger (DOCUMENT with a valid MRZ)',
      body: {
        category: 'DOCUMENT',
        priority: 'ROUTINE',
        classification: 'GREEN',
        handling: 'H1',
        title: 'Counterfeit passports of the specimen series in circulation',
        document: {
          documentType: 'PASSPORT',
          issuingState: 'UTO',
          number: 'L898902C3',
          mrz: data.documents.icao_specimen_td3,
          fraudType: 'COUNTERFEIT',
        },
      },
    },
    {
      from: 'LY',
      what: 'Libya flags an organiser to Italy: the agreement strips the phone numbers before sending (SUSPECT)',
      body: {
        category: 'SUSPECT',
        priority: 'ROUTINE',
        classification: 'AMBER',
        handling: 'H3',
        title: 'Organiser coordinating departures from Zuwara',
        recipients: ['IT'],
        suspect: {
          familyName: 'EXAMPLE',
          givenNames: ['Demo'],
          aliases: ['The Captain'],
          birthDate: '1984',
          nationalities: ['LY'],
          role: 'ORGANISER',
          phones: ['+218 91 000 0000'],
          notes: 'fictitious record for the demonstration',
        },
      },
    },
    {
      from: 'IT',
      what: 'Italy raises a FLASH distress referral to Libya: a boat in distress, people to protect, not suspects',
      body: {
        category: 'PROTECTION_REFERRAL',
        priority: 'FLASH',
        classification: 'AMBER',
        handling: 'H1',
        title: 'Rubber boat in distress 30 nm south of Lampedusa',
        recipients: ['LY'],
        protectionReferral: {
          need: 'DISTRESS_AT_SEA',
          peopleCount: 45,
          lastKnownPosition: { lat: 35.05, lon: 12.55 },
          lastKnownPlace: 'south of Lampedusa',
          contactChannel: 'MRCC Rome',
          notes: 'engine failure reported by satellite phone',
        },
      },
    },
    {
      from: 'NE',
      what: 'Niger refers unaccompanied minors to Italy (PROTECTION_REFERRAL, allowed by NE↔IT)',
      body: {
        category: 'PROTECTION_REFERRAL',
        priority: 'URGENT',
        classification: 'GREEN',
        handling: 'H1',
        title: 'Unaccompanied minors heading for Italy via Libya',
        recipients: ['IT'],
        protectionReferral: {
          need: 'UNACCOMPANIED_MINOR',
          peopleCount: 6,
          lastKnownPlace: 'Agadez',
          contactChannel: 'IOM Agadez',
        },
      },
    },
    {
      from: 'NE',
      what: 'Niger tries to send a ROUTE to Italy: refused, NE↔IT grants only bulletins and protection referrals',
      body: {
        category: 'ROUTE',
        priority: 'ROUTINE',
        classification: 'GREEN',
        handling: 'H1',
        title: 'Route alert Italy must not receive under NE↔IT',
        recipients: ['IT'],
        route: { originCountry: 'NE', transit: [], destinationCountry: 'IT', transportMode: 'LAND_THEN_SEA' },
      },
    },
    {
      from: 'IT',
      what: 'Italy publishes a trend bulletin to every partner',
      body: {
        category: 'BULLETIN',
        priority: 'ROUTINE',
        classification: 'GREEN',
        handling: 'H0',
        title: 'Monthly trends: Central Mediterranean',
        bulletin: {
          title: 'Monthly trends',
          summary: 'More departures from western Libya; prices for the sea crossing up by a fifth.',
          body: 'Arrivals in Lampedusa rose this month. Most boats left from the Zuwara area at night.',
          region: 'Central Mediterranean',
        },
      },
    },
    {
      from: 'LY',
      what: 'Libya withdraws the Zuwara departure alert: Italy deletes its content',
      withdrawStep: 1,
    },
  ];
}

/** Runs the steps, `delayMs` apart. Returns the published ids by step (undefined for refused steps). */
export async function runScenario(opts: {
  net: Network;
  delayMs: number;
  log: (line: string) => void;
}): Promise<(string | undefined)[]> {
  const steps = scenarioSteps();
  const ids: (string | undefined)[] = [];
  for (const [i, step] of steps.entries()) {
    if (i > 0) {
      await new Promise((r) => setTimeout(r, opts.delayMs));
    }
    const g = opts.net.gateways[step.from];
    const token = await opts.net.bearer(step.from, 'publisher');
    try {
      if (step.withdrawStep !== undefined) {
        const id = ids[step.withdrawStep];
        await call(`${g.url}/v1/alerts/${id}/withdraw`, 'POST', token, {
          reason: 'departures postponed: information superseded',
        });
        opts.log(`  ${i + 1}. ${step.what}`);
        ids.push(id);
        continue;
      }
      const res = await call<{
        id: string;
        recipients: { country: string; status: string; reason?: string; redactedFields?: string[] }[];
      }>(`${g.url}/v1/alerts`, 'POST', token, step.body);
      const to = res.recipients
        .map(
          (r) =>
            `${r.country}:${r.status}${r.reason ? ` (${r.reason})` : ''}${r.redactedFields?.length ? ` minus ${r.redactedFields.join(',')}` : ''}`,
        )
        .join(' ');
      opts.log(`  ${i + 1}. ${step.what} → ${to}`);
      ids.push(res.id);
    } catch (err) {
      const detail =
        err instanceof HttpError
          ? `${err.status} ${(err.body as { code?: string }).code ?? ''}: ${(err.body as { detail?: string }).detail ?? ''}`
          : (err as Error).message;
      opts.log(`  ${i + 1}. ${step.what} → ${detail}`);
      ids.push(undefined);
    }
  }
  return ids;
}
