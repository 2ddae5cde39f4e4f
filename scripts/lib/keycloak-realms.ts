// The realms of the project's Keycloak: one per country and one for the forum (the secretariat's auditors).
// deploy/keycloak/*.json is written from here (npm run keycloak -- realms) and imported at first start; the spec
// beside this file fails when the files and this code disagree. No credential is in them: passwords and client
// secrets are set through the admin API at provisioning and kept in .corridor/keycloak (mode 600).
import { DEMO_COUNTRIES, DEMO_DESKS } from './demo-network';

export const FORUM_REALM = 'corridor-forum';
export const GATEWAY_CLIENT = 'corridor-gateway';
export const SECRETARIAT_CLIENT = 'corridor-secretariat';
export const CLI_CLIENT = 'corridor-cli';
/** The forum operator's scripts at the secretariat (enrolment, agreements): roles admin and auditor. */
export const FORUM_OPERATOR_CLIENT = 'corridor-forum-operator';

export function countryRealm(country: string): string {
  return `corridor-${country.toLowerCase()}`;
}

/** The gateway operator's scripts (the demo's and the tests' network setup): role admin. */
export const OPERATOR_CLIENT = 'corridor-operator';
/**
 * The secretariat's auditor at a gateway: role auditor. Its token is handed to the secretariat once, so it lives
 * 30 days (the secretariat does not yet fetch its own tokens by client credentials).
 */
export const AUDITOR_CLIENT = 'corridor-secretariat-auditor';

/** The group of the agency's people who publish from the compose page (role publisher, claim agency). */
export const AGENCY_PUBLISHER_GROUP = 'agency-police-publishers';

/** The demo's agency person of a country, a member of AGENCY_PUBLISHER_GROUP. */
export function agencyPublisher(country: string): string {
  return `publisher.${country.toLowerCase()}`;
}

export function agencyClient(country: string): string {
  return `agency-${country.toLowerCase()}-police`;
}

/** The client whose service account the network's own calls use, by what they act as. */
export function machineClientOf(country: string, kind: 'operator' | 'auditor' | 'publisher'): string {
  switch (kind) {
    case 'operator':
      return OPERATOR_CLIENT;
    case 'auditor':
      return AUDITOR_CLIENT;
    case 'publisher':
      return agencyClient(country);
  }
}

const COUNTRY_NAMES: Record<string, string> = { NE: 'Niger', LY: 'Libya', IT: 'Italy' };

type Json = Record<string, unknown>;

function mapper(name: string, protocolMapper: string, config: Record<string, string>): Json {
  return {
    name,
    protocol: 'openid-connect',
    protocolMapper,
    config: {
      'access.token.claim': 'true',
      'id.token.claim': 'true',
      'userinfo.token.claim': 'true',
      'introspection.token.claim': 'true',
      ...config,
    },
  };
}

/** Corridor's claims, the same on every client of a realm: the provider is their only source. */
function corridorMappers(opts: { country: string; audience: string; agency?: string }): Json[] {
  const attribute = (claim: string, multivalued: boolean): Json =>
    mapper(claim, 'oidc-usermodel-attribute-mapper', {
      'user.attribute': claim,
      'claim.name': claim,
      'jsonType.label': 'String',
      multivalued: String(multivalued),
      // Officers get desk, clearance and categories from their desk's group; agency people their agency.
      'aggregate.attrs': 'true',
    });
  return [
    mapper('country', 'oidc-hardcoded-claim-mapper', {
      'claim.name': 'country',
      'claim.value': opts.country,
      'jsonType.label': 'String',
    }),
    attribute('desk', false),
    attribute('clearance', false),
    attribute('categories', true),
    mapper('roles', 'oidc-usermodel-realm-role-mapper', {
      'claim.name': 'roles',
      'jsonType.label': 'String',
      multivalued: 'true',
    }),
    {
      name: 'audience',
      protocol: 'openid-connect',
      protocolMapper: 'oidc-audience-mapper',
      config: {
        'included.custom.audience': opts.audience,
        'access.token.claim': 'true',
        'introspection.token.claim': 'true',
      },
    },
    opts.agency
      ? mapper('agency', 'oidc-hardcoded-claim-mapper', {
          'claim.name': 'agency',
          'claim.value': opts.agency,
          'jsonType.label': 'String',
        })
      : attribute('agency', false),
  ];
}

function realmBase(opts: { realm: string; displayName: string }): Json {
  return {
    realm: opts.realm,
    displayName: opts.displayName,
    enabled: true,
    // Loopback is exempt; any other address must use TLS.
    sslRequired: 'external',
    registrationAllowed: false,
    resetPasswordAllowed: false,
    editUsernameAllowed: false,
    loginWithEmailAllowed: false,
    bruteForceProtected: true,
    failureFactor: 10,
    accessTokenLifespan: 300,
    ssoSessionIdleTimeout: 1800,
    ssoSessionMaxLifespan: 36000,
    oauth2DeviceCodeLifespan: 600,
    oauth2DevicePollingInterval: 5,
    otpPolicyType: 'totp',
    otpPolicyAlgorithm: 'HmacSHA1',
    otpPolicyDigits: 6,
    otpPolicyPeriod: 30,
    webAuthnPolicyRpEntityName: 'Corridor',
    webAuthnPolicyUserVerificationRequirement: 'preferred',
    webAuthnPolicyPasswordlessRpEntityName: 'Corridor',
    webAuthnPolicyPasswordlessRequireResidentKey: 'Yes',
    webAuthnPolicyPasswordlessUserVerificationRequirement: 'required',
    // Keycloak 26.4+: the sign-in page offers "Sign in with Passkey" (and passkey autofill) in the stock browser flow.
    webAuthnPolicyPasswordlessPasskeysEnabled: true,
    roles: {
      realm: [
        { name: 'officer', description: 'liaison officer: reads the desk within clearance and categories' },
        { name: 'publisher', description: 'agency system: publishes alerts through the API' },
        { name: 'auditor', description: 'reads audit proofs and metrics' },
        { name: 'admin', description: 'gateway operator' },
      ],
    },
  };
}

export function countryRealmRepresentation(country: string): Json {
  const desk = DEMO_DESKS[country];
  const audience = `gateway.${country.toLowerCase()}`;
  const realm = countryRealm(country);
  return {
    ...realmBase({ realm, displayName: `Corridor — ${COUNTRY_NAMES[country] ?? country}` }),
    groups: [
      {
        name: `desk-${desk.desk}`,
        attributes: { desk: [desk.desk], clearance: [desk.clearance], categories: desk.categories },
        realmRoles: ['officer'],
      },
      {
        name: AGENCY_PUBLISHER_GROUP,
        attributes: { agency: ['police'] },
        realmRoles: ['publisher'],
      },
    ],
    users: [
      {
        username: desk.sub,
        enabled: true,
        firstName: 'Liaison',
        lastName: 'Officer',
        email: `${desk.sub}@${country.toLowerCase()}.corridor.example`,
        emailVerified: true,
        groups: [`/desk-${desk.desk}`],
      },
      {
        username: agencyPublisher(country),
        enabled: true,
        firstName: 'Agency',
        lastName: 'Publisher',
        email: `${agencyPublisher(country)}@${country.toLowerCase()}.corridor.example`,
        emailVerified: true,
        groups: [`/${AGENCY_PUBLISHER_GROUP}`],
      },
      {
        username: `service-account-${agencyClient(country)}`,
        enabled: true,
        serviceAccountClientId: agencyClient(country),
        realmRoles: ['publisher'],
      },
      {
        username: `service-account-${OPERATOR_CLIENT}`,
        enabled: true,
        serviceAccountClientId: OPERATOR_CLIENT,
        realmRoles: ['admin'],
      },
      {
        username: `service-account-${AUDITOR_CLIENT}`,
        enabled: true,
        serviceAccountClientId: AUDITOR_CLIENT,
        realmRoles: ['auditor'],
      },
    ],
    clients: [
      {
        clientId: GATEWAY_CLIENT,
        name: `Corridor gateway ${country}`,
        enabled: true,
        publicClient: false,
        clientAuthenticatorType: 'client-secret',
        standardFlowEnabled: true,
        directAccessGrantsEnabled: false,
        serviceAccountsEnabled: false,
        frontchannelLogout: false,
        // Redirect and back-channel logout URLs are the gateway's own: set when a gateway registers.
        redirectUris: [],
        attributes: {
          'pkce.code.challenge.method': 'S256',
          'backchannel.logout.session.required': 'true',
          'backchannel.logout.revoke.offline.tokens': 'false',
        },
        protocolMappers: corridorMappers({ country, audience }),
      },
      {
        clientId: CLI_CLIENT,
        name: 'Corridor command line',
        enabled: true,
        publicClient: true,
        standardFlowEnabled: false,
        directAccessGrantsEnabled: false,
        attributes: { 'oauth2.device.authorization.grant.enabled': 'true' },
        protocolMappers: corridorMappers({ country, audience }),
      },
      {
        clientId: agencyClient(country),
        name: `Police of ${COUNTRY_NAMES[country] ?? country} (publishing system)`,
        enabled: true,
        publicClient: false,
        clientAuthenticatorType: 'client-secret',
        standardFlowEnabled: false,
        directAccessGrantsEnabled: false,
        serviceAccountsEnabled: true,
        protocolMappers: corridorMappers({ country, audience, agency: 'police' }),
      },
      machineClient({ clientId: OPERATOR_CLIENT, name: 'Gateway operator scripts', country, audience }),
      {
        ...machineClient({
          clientId: AUDITOR_CLIENT,
          name: 'Regional secretariat (auditor)',
          country,
          audience,
        }),
        attributes: { 'access.token.lifespan': String(30 * 86400) },
      },
    ],
  };
}

function machineClient(opts: { clientId: string; name: string; country: string; audience: string }): Json {
  return {
    clientId: opts.clientId,
    name: opts.name,
    enabled: true,
    publicClient: false,
    clientAuthenticatorType: 'client-secret',
    standardFlowEnabled: false,
    directAccessGrantsEnabled: false,
    serviceAccountsEnabled: true,
    protocolMappers: corridorMappers({ country: opts.country, audience: opts.audience }),
  };
}

export function forumRealmRepresentation(): Json {
  return {
    ...realmBase({ realm: FORUM_REALM, displayName: 'Corridor — regional forum' }),
    groups: [{ name: 'auditors', realmRoles: ['auditor'] }],
    users: [
      {
        username: 'auditor.forum',
        enabled: true,
        firstName: 'Forum',
        lastName: 'Auditor',
        email: 'auditor@forum.corridor.example',
        emailVerified: true,
        groups: ['/auditors'],
      },
      {
        username: `service-account-${FORUM_OPERATOR_CLIENT}`,
        enabled: true,
        serviceAccountClientId: FORUM_OPERATOR_CLIENT,
        realmRoles: ['admin', 'auditor'],
      },
    ],
    clients: [
      {
        clientId: SECRETARIAT_CLIENT,
        name: 'Corridor secretariat',
        enabled: true,
        publicClient: false,
        clientAuthenticatorType: 'client-secret',
        standardFlowEnabled: true,
        directAccessGrantsEnabled: false,
        frontchannelLogout: false,
        redirectUris: [],
        attributes: {
          'pkce.code.challenge.method': 'S256',
          'backchannel.logout.session.required': 'true',
        },
        protocolMappers: corridorMappers({ country: 'ZZ', audience: 'secretariat' }),
      },
      {
        clientId: CLI_CLIENT,
        name: 'Corridor command line',
        enabled: true,
        publicClient: true,
        standardFlowEnabled: false,
        directAccessGrantsEnabled: false,
        attributes: { 'oauth2.device.authorization.grant.enabled': 'true' },
        protocolMappers: corridorMappers({ country: 'ZZ', audience: 'secretariat' }),
      },
      machineClient({
        clientId: FORUM_OPERATOR_CLIENT,
        name: 'Forum operator scripts',
        country: 'ZZ',
        audience: 'secretariat',
      }),
    ],
  };
}

/** Every realm file of deploy/keycloak, by file name. */
export function realmFiles(): Record<string, Json> {
  const files: Record<string, Json> = {};
  for (const c of DEMO_COUNTRIES) {
    files[`${countryRealm(c)}.json`] = countryRealmRepresentation(c);
  }
  files[`${FORUM_REALM}.json`] = forumRealmRepresentation();
  return files;
}
