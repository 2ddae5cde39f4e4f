// Reply threads as conversations, no DOM: the replies received in the feed and the replies sent from this tab,
// grouped by the alert they are about (origin + '/' + alertId), oldest message first, the liveliest thread first.
import type { DeskItem } from '@corridor/gateway-api';
import { alertKeyOf, replyScopeOf, type SentReply } from './feed';

export interface ConversationMessage {
  at: string;
  /** sent from this desk (this tab) */
  mine: boolean;
  /** the reply row received, for the officer its sender asserts */
  item?: DeskItem;
  body: string;
}

export interface Conversation {
  /** the alert's key, or reply/<seq> for a reply about an alert this desk does not hold */
  key: string;
  /** the alert row, when the feed holds it */
  subject?: DeskItem;
  /** the partners who wrote in the thread */
  partners: string[];
  messages: ConversationMessage[];
  lastAt: string;
  /** the feed item a new reply answers: the newest reply received, else the alert */
  replyTo?: DeskItem;
}

export function conversations(rows: Iterable<DeskItem>, sent: Map<string, SentReply[]>): Conversation[] {
  const byKey = new Map<string, Conversation>();
  const alerts = new Map<string, DeskItem>();
  const get = (key: string): Conversation => {
    let c = byKey.get(key);
    if (!c) {
      c = { key, partners: [], messages: [], lastAt: '' };
      byKey.set(key, c);
    }
    return c;
  };
  for (const item of rows) {
    if (item.event !== 'REPLY') {
      const key = alertKeyOf(item);
      if (key) {
        alerts.set(key, item);
      }
      continue;
    }
    if (!item.reply) {
      continue;
    }
    const c = get(replyScopeOf(item));
    c.messages.push({ at: item.receivedAt, mine: false, item, body: item.reply.body });
    if (item.sender && !c.partners.includes(item.sender)) {
      c.partners.push(item.sender);
    }
  }
  for (const [scope, replies] of sent) {
    if (!replies.length) {
      continue;
    }
    const c = get(scope);
    for (const r of replies) {
      c.messages.push({ at: r.at, mine: true, body: r.body });
    }
  }
  const result: Conversation[] = [];
  for (const c of byKey.values()) {
    c.subject = alerts.get(c.key);
    c.messages.sort((a, b) => a.at.localeCompare(b.at) || Number(a.mine) - Number(b.mine));
    c.lastAt = c.messages[c.messages.length - 1]?.at ?? '';
    c.partners.sort();
    const received = c.messages.filter((m) => m.item);
    c.replyTo = received[received.length - 1]?.item ?? c.subject;
    result.push(c);
  }
  return result.sort((a, b) => b.lastAt.localeCompare(a.lastAt) || a.key.localeCompare(b.key));
}
