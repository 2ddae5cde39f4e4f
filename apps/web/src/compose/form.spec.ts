// The compose form's state against the API's own rules (the request classes of @corridor/gateway-api, run here as
// the gateway runs them): what the form sends, which field a broken rule names, codes only from the vocabularies.
import { describe, expect, it } from 'vitest';
import { alertViolations, VOCABULARIES } from '@corridor/gateway-api';
import {
  FORMS,
  CATEGORIES,
  initialState,
  setField,
  toRequest,
  validate,
  violationOf,
  type ComposeState,
} from './form';

function routeState(): ComposeState {
  let s = { ...initialState('ROUTE'), title: 'Convoi quittant Agadez vers Sabha', recipients: ['LY'] };
  s = setField(s, 'originCountry', 'ne');
  s = setField(s, 'origin', { place: 'Agadez', country: 'ne', lat: '16.97', lon: '7.99' });
  s = setField(s, 'transit', [{ place: 'Dirkou', country: 'NE', lat: '', lon: '' }]);
  s = setField(s, 'destinationCountry', 'LY');
  s = setField(s, 'transportMode', 'PICKUP_TRUCK');
  s = setField(s, 'risksToLife', ['DESERT_WITHOUT_WATER', 'ABANDONMENT_BY_DRIVERS']);
  s = setField(s, 'estimatedPeople', '160');
  return s;
}

describe('compose form state', () => {
  it('turns a route form into the body POST /v1/alerts takes: codes, capitals, numbers, blanks left out', () => {
    expect(toRequest(routeState())).toEqual({
      category: 'ROUTE',
      priority: 'ROUTINE',
      classification: 'AMBER',
      handling: 'H2',
      title: 'Convoi quittant Agadez vers Sabha',
      recipients: ['LY'],
      route: {
        originCountry: 'NE',
        origin: { place: 'Agadez', country: 'NE', point: { lat: 16.97, lon: 7.99 } },
        transit: [{ place: 'Dirkou', country: 'NE' }],
        destinationCountry: 'LY',
        transportMode: 'PICKUP_TRUCK',
        risksToLife: ['DESERT_WITHOUT_WATER', 'ABANDONMENT_BY_DRIVERS'],
        estimatedPeople: 160,
      },
    });
    expect(validate(routeState()).size).toBe(0);
  });

  it('names the fields a new form lacks, as the API would', () => {
    const v = validate(initialState('ROUTE'));
    expect([...v.keys()].sort()).toEqual([
      'route.destinationCountry',
      'route.originCountry',
      'route.transportMode',
      'title',
    ]);
    expect(v.get('route.transportMode')?.rule).toBe('required');
  });

  it('refuses free text where a code is due, and a number that is not one, naming the field', () => {
    let s = setField(routeState(), 'transportMode', 'land (pick-up trucks)');
    s = setField(s, 'estimatedPeople', 'about 160');
    const v = validate(s);
    expect(v.get('route.transportMode')?.rule).toBe('isIn');
    expect(v.get('route.estimatedPeople')?.rule).toBe('isInt');
    // The shared validator's answer, not a copy of the rules: every rule the form shows is one the API names.
    const api = alertViolations(toRequest(s));
    for (const shown of v.values()) {
      expect(api).toContainEqual(shown);
    }
    expect(new Set(api.map((x) => x.field))).toEqual(new Set(v.keys()));
  });

  it('finds a transit point broken deep inside the list under the list field', () => {
    const s = setField(routeState(), 'transit', [{ place: 'Dirkou', country: 'Niger', lat: '', lon: '' }]);
    const v = validate(s);
    expect(v.get('route.transit[0].country')?.rule).toBe('matches');
    expect(violationOf(v, 'route.transit')?.field).toBe('route.transit[0].country');
    expect(violationOf(v, 'route.destinationCountry')).toBeUndefined();
  });

  it("keeps each category's fields when the officer switches and back, and sends only the chosen one", () => {
    let s = routeState();
    s = { ...s, category: 'BULLETIN' };
    s = setField(s, 'title', 'Nouveau procédé');
    const body = toRequest(s);
    expect(Object.keys(body)).toEqual(expect.arrayContaining(['bulletin']));
    expect(body.route).toBeUndefined();
    expect(toRequest({ ...s, category: 'ROUTE' }).route).toMatchObject({ transportMode: 'PICKUP_TRUCK' });
  });

  it('offers as codes exactly the vocabularies the API takes, in every category form', () => {
    const route = Object.fromEntries(FORMS.ROUTE.map((f) => [f.name, f]));
    expect(route.transportMode.codes).toEqual(VOCABULARIES.transportMode);
    expect(route.modusOperandi.codes).toEqual(VOCABULARIES.modusOperandi);
    expect(route.risksToLife.codes).toEqual(VOCABULARIES.riskToLife);
    expect(FORMS.SUSPECT.find((f) => f.name === 'role')?.codes).toEqual(VOCABULARIES.suspectRole);
    expect(FORMS.DOCUMENT.find((f) => f.name === 'fraudType')?.codes).toEqual(VOCABULARIES.fraudType);
    expect(FORMS.PROTECTION_REFERRAL.find((f) => f.name === 'need')?.codes).toEqual(
      VOCABULARIES.referralNeed,
    );
    for (const category of CATEGORIES) {
      // Every required field the form marks is one the API requires: an empty form names each of them.
      const required = FORMS[category].filter((f) => f.required).map((f) => f.name);
      const empty = validate({ ...initialState(category), title: 'x' });
      for (const name of required) {
        expect(
          [...empty.keys()].some((k) => k.endsWith(`.${name}`)),
          `${category}.${name}`,
        ).toBe(true);
      }
    }
  });

  it("sends a referral's time as epoch ms and its position as numbers", () => {
    let s = { ...initialState('PROTECTION_REFERRAL'), title: 'Boat in distress' };
    s = setField(s, 'need', 'DISTRESS_AT_SEA');
    s = setField(s, 'peopleCount', '45');
    s = setField(s, 'lastKnownPosition', { place: '', country: '', lat: '34.1', lon: '12.5' });
    s = setField(s, 'observedAtMs', '2026-12-01T10:30');
    const body = toRequest(s).protectionReferral as Record<string, unknown>;
    expect(body.lastKnownPosition).toEqual({ lat: 34.1, lon: 12.5 });
    expect(body.observedAtMs).toBe(new Date('2026-12-01T10:30').getTime());
    expect(validate(s).size).toBe(0);
  });
});
