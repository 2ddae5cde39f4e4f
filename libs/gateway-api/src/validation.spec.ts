// The publishing API's rules run anywhere: what the gateway's pipe, the CLI and the compose page all apply.
import { alertViolations } from './validation';

const route = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  category: 'ROUTE',
  priority: 'FLASH',
  classification: 'AMBER',
  handling: 'H2',
  title: 'Convoy leaving Agadez',
  route: {
    originCountry: 'NE',
    transit: [],
    destinationCountry: 'LY',
    transportMode: 'PICKUP_TRUCK',
    ...over,
  },
});

describe('alertViolations', () => {
  it('accepts a route given in codes, with free text in the note', () => {
    expect(alertViolations(route({ risksToLife: ['OVERCROWDED_BOAT'], note: 'eight vehicles' }))).toEqual([]);
  });

  it('refuses free text where a code is due, naming the field and the rule', () => {
    expect(alertViolations(route({ transportMode: 'pick-up trucks', risksToLife: ['no water'] }))).toEqual([
      expect.objectContaining({ field: 'route.transportMode', rule: 'isIn' }),
      expect.objectContaining({ field: 'route.risksToLife', rule: 'isIn' }),
    ]);
  });

  it('says once that an absent field is required, and checks the payload matches the category', () => {
    const { transportMode: _t, ...rest } = route().route as Record<string, unknown>;
    expect(alertViolations({ ...route(), route: rest })).toEqual([
      { field: 'route.transportMode', rule: 'required', message: 'route.transportMode is required' },
    ]);
    expect(alertViolations({ ...route(), route: undefined })[0]).toMatchObject({
      field: 'route',
      rule: 'PAYLOAD_MISSING',
    });
    expect(
      alertViolations({ ...route(), bulletin: { title: 't', summary: 's', body: 'b' } })[0],
    ).toMatchObject({
      field: 'bulletin',
      rule: 'PAYLOAD_MISMATCH',
    });
  });

  it('takes an object where one belongs, never an array (class-validator alone validated its elements)', () => {
    const waypoint = { place: 'Sabha', country: 'LY' };
    expect(alertViolations(route({ origin: [] }))[0]).toMatchObject({
      field: 'route.origin',
      rule: 'isObject',
    });
    expect(alertViolations(route({ origin: [waypoint] }))[0]).toMatchObject({
      field: 'route.origin',
      rule: 'isObject',
    });
    expect(alertViolations(route({ transit: [[waypoint]] }))[0]).toMatchObject({
      field: 'route.transit',
      rule: 'isObject',
    });
    expect(alertViolations({ ...route(), route: [] })[0]).toMatchObject({ field: 'route', rule: 'isObject' });
    expect(alertViolations(route({ origin: waypoint, transit: [waypoint] }))).toEqual([]);
  });
});
