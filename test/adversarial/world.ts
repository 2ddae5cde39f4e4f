// The network a hostile partner attacks: three countries (the hostile sender, its victim the receiver, and a third
// country whose data the sender must never touch), with traffic already exchanged through the real APIs, so the
// generated messages have real ids to collide with and refer to.
import type { AgreementSpec, Network } from '../../scripts/lib/network';
import { bulletinAlert, routeAlert } from '../factories/alerts';
import { sql } from '../harness/databases';
import { World } from './generators';

export const HOSTILE = { from: 'LY', to: 'IT', third: 'NE' } as const;

/** What LY may send IT: the runner checks that whatever LY got applied lies within it. */
export const LY_IT_GRANT = {
  categories: ['ROUTE', 'DOCUMENT', 'PROTECTION_REFERRAL', 'BULLETIN'],
  maxClassification: 'AMBER',
};

export const HOSTILE_AGREEMENTS: AgreementSpec[] = [
  {
    parties: ['LY', 'IT'],
    purpose: 'adversarial: no suspects, up to AMBER',
    directions: [
      { from: 'LY', to: 'IT', ...LY_IT_GRANT, excludedFields: ['route.modusOperandi'] },
      { from: 'IT', to: 'LY', ...LY_IT_GRANT },
    ],
  },
  {
    parties: ['NE', 'IT'],
    purpose: 'adversarial: bulletins and protection referrals',
    directions: [
      { from: 'NE', to: 'IT', categories: ['BULLETIN', 'PROTECTION_REFERRAL'], maxClassification: 'AMBER' },
      { from: 'IT', to: 'NE', categories: ['BULLETIN', 'PROTECTION_REFERRAL'], maxClassification: 'AMBER' },
    ],
  },
  {
    parties: ['NE', 'LY'],
    purpose: 'adversarial: routes and bulletins',
    directions: [
      { from: 'NE', to: 'LY', categories: ['ROUTE', 'BULLETIN'], maxClassification: 'GREEN' },
      { from: 'LY', to: 'NE', categories: ['ROUTE', 'BULLETIN'], maxClassification: 'GREEN' },
    ],
  },
];

async function until<T>(what: string, check: () => Promise<T | undefined>, boundMs = 30_000): Promise<T> {
  const deadline = Date.now() + boundMs;
  while (Date.now() < deadline) {
    const v = await check();
    if (v !== undefined) {
      return v;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${boundMs} ms waiting for ${what}`);
}

async function publish(net: Network, country: string, body: Record<string, unknown>): Promise<string> {
  const res = await net.gatewayCall<{ id: string }>(
    country,
    'POST',
    '/v1/alerts',
    body,
    net.gateways[country].token({ roles: ['publisher'], agency: `${country}-AGENCY` }),
  );
  return res.id;
}

/** Publishes the traffic the attack refers to and waits until it has arrived; the ids the attacker knows. */
export async function prepareWorld(net: Network): Promise<World> {
  const { from, to, third } = HOSTILE;
  const arrived = (receiver: string, sender: string, alertId: string) =>
    until(`${alertId} from ${sender} at ${receiver}`, async () => {
      const r = await sql<{ message_id: string }>(
        net.gateways[receiver].databaseUrl,
        `select message_id from inbox where sender = $1 and alert_id = $2 and kind = 'ALERT'`,
        [sender, alertId],
      );
      return r[0]?.message_id;
    });
  const thirdPartyAlertId = await publish(net, third, {
    category: 'PROTECTION_REFERRAL',
    priority: 'FLASH',
    classification: 'AMBER',
    handling: 'H2',
    title: 'Rubber boat in distress',
    recipients: [to],
    protectionReferral: { need: 'DISTRESS_AT_SEA', peopleCount: 45, lastKnownPlace: 'off Zuwara' },
  });
  const thirdPartyMessageId = await arrived(to, third, thirdPartyAlertId);
  const receiverToThirdAlertId = await publish(net, to, bulletinAlert({ recipients: [third] }));
  await arrived(third, to, receiverToThirdAlertId);
  const receiverToSenderAlertId = await publish(net, to, routeAlert({ recipients: [from] }));
  await arrived(from, to, receiverToSenderAlertId);
  const senderAlertId = await publish(net, from, routeAlert({ recipients: [to] }));
  await arrived(to, from, senderAlertId);
  const agreements = await net.secretariatCall<{ id: string; parties: string[]; state: string }[]>(
    'GET',
    '/v1/agreements',
  );
  const idOf = (a: string, b: string) =>
    agreements.find((x) => x.state === 'ACTIVE' && x.parties.join() === [a, b].sort().join())!.id;
  return {
    from,
    to,
    thirdCountry: third,
    agreementId: idOf(from, to),
    otherAgreementId: idOf(third, to),
    thirdPartyAlertId,
    thirdPartyMessageId,
    receiverToThirdAlertId,
    receiverToSenderAlertId,
    senderAlertId,
  };
}
