import fs from 'node:fs';
import path from 'node:path';
import { agencyClient, countryRealm, GATEWAY_CLIENT, realmFiles } from './keycloak-realms';

const DIR = path.join(__dirname, '..', '..', 'deploy', 'keycloak');

type Rep = {
  realm: string;
  clients: Array<{
    clientId: string;
    secret?: string;
    protocolMappers: Array<{ name: string; config: Record<string, string> }>;
  }>;
  users: Array<{ username: string; credentials?: unknown }>;
};

describe('deploy/keycloak realm files', () => {
  it('are exactly what scripts/lib/keycloak-realms.ts writes (npm run keycloak -- realms)', () => {
    const files = realmFiles();
    expect(
      fs
        .readdirSync(DIR)
        .filter((f) => f.endsWith('.json'))
        .sort(),
    ).toEqual(Object.keys(files).sort());
    for (const [file, rep] of Object.entries(files)) {
      expect(JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8'))).toEqual(rep);
    }
  });

  it('hold no password and no client secret', () => {
    for (const rep of Object.values(realmFiles()) as unknown as Rep[]) {
      expect(rep.users.filter((u) => u.credentials)).toEqual([]);
      expect(rep.clients.filter((c) => c.secret)).toEqual([]);
    }
  });

  it("map Corridor's claims on every client, with the country fixed by the realm and the gateway's audience", () => {
    const it = realmFiles()[`${countryRealm('IT')}.json`] as unknown as Rep;
    for (const client of it.clients) {
      const names = client.protocolMappers.map((m) => m.name).sort();
      expect(names).toEqual(
        expect.arrayContaining(['audience', 'categories', 'clearance', 'country', 'desk', 'roles']),
      );
      expect(client.protocolMappers.find((m) => m.name === 'country')?.config['claim.value']).toBe('IT');
      expect(
        client.protocolMappers.find((m) => m.name === 'audience')?.config['included.custom.audience'],
      ).toBe('gateway.it');
    }
    expect(it.clients.map((c) => c.clientId)).toEqual(
      expect.arrayContaining([GATEWAY_CLIENT, agencyClient('IT')]),
    );
  });
});
