// Request bodies for the publishing API, built from the documented corridors in ../shared/data.
import fs from 'node:fs';
import path from 'node:path';

interface Corridors {
  corridors: { name: string; waypoints: { place: string; country: string; lat: number; lon: number }[] }[];
  documents: { icao_specimen_td3: string[] };
}

function corridors(): Corridors {
  const shared = path.join(__dirname, '..', '..', '..', 'shared', 'data', 'corridors.json');
  const local = path.join(__dirname, '..', 'fixtures', 'corridors.json');
  return JSON.parse(fs.readFileSync(fs.existsSync(shared) ? shared : local, 'utf8')) as Corridors;
}

export function specimenMrz(): string[] {
  return corridors().documents.icao_specimen_td3;
}

export function routeAlert(over: Record<string, unknown> = {}): Record<string, unknown> {
  const wp = corridors().corridors.find((c) => c.name === 'Central Mediterranean')!.waypoints;
  const at = (place: string) => {
    const w = wp.find((x) => x.place === place)!;
    return { place: w.place, country: w.country, point: { lat: w.lat, lon: w.lon } };
  };
  return {
    category: 'ROUTE',
    priority: 'URGENT',
    classification: 'AMBER',
    handling: 'H2',
    title: 'Convoy leaving Agadez towards Sabha',
    route: {
      originCountry: 'NE',
      origin: at('Agadez'),
      transit: [at('Dirkou'), at('Sabha'), at('Zuwara')],
      destinationCountry: 'IT',
      destination: at('Lampedusa'),
      transportMode: 'LAND_THEN_SEA',
      modusOperandi: 'NIGHT_CONVOYS',
      pricePerPersonUsd: 2500,
      estimatedPeople: 120,
      risksToLife: ['DESERT_WITHOUT_WATER', 'OVERCROWDED_BOAT'],
      note: 'pick-ups leave at night in convoys of 5-10 vehicles, then rubber boats',
    },
    ...over,
  };
}

export function suspectAlert(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    category: 'SUSPECT',
    priority: 'ROUTINE',
    classification: 'AMBER',
    handling: 'H2',
    title: 'Organiser of departures from Zuwara',
    suspect: {
      familyName: 'EXAMPLE',
      givenNames: ['Test'],
      aliases: ['The Captain'],
      birthDate: '1980',
      nationalities: ['LY'],
      role: 'ORGANISER',
      phones: ['+218 91 000 0000'],
    },
    ...over,
  };
}

export function documentAlert(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    category: 'DOCUMENT',
    priority: 'ROUTINE',
    classification: 'GREEN',
    handling: 'H1',
    title: 'Counterfeit passports of the specimen series',
    document: {
      documentType: 'PASSPORT',
      issuingState: 'UTO',
      number: 'L898902C3',
      mrz: specimenMrz(),
      fraudType: 'COUNTERFEIT',
    },
    ...over,
  };
}

export function bulletinAlert(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    category: 'BULLETIN',
    priority: 'ROUTINE',
    classification: 'GREEN',
    handling: 'H0',
    title: 'Monthly trends on the Central Mediterranean',
    bulletin: {
      title: 'Trends',
      summary: 'Departures up from western Libya',
      body: 'Text of the bulletin.',
      region: 'Central Mediterranean',
    },
    ...over,
  };
}
