// Acknowledging an alert, from the detail pane or the situational picture: the same acknowledge event, the same button
// and the same status line saying who acknowledged it and when. Each place keeps its own state of what it shows.
import type { DeskItem } from '@corridor/gateway-api';
import type { Ref } from 'preact';
import { useState } from 'preact/hooks';
import { PartnerText, tx } from '../shared/bidi';
import { formatDateTime } from '../shared/format';
import { currentLanguage, t } from '../shared/i18n';
import { say, type Message } from '../shared/message';
import type { AckState } from './picture';
import type { DeskSession } from './session';

/** Who acknowledged an alert at this gateway (an officer of this country, from the gateway's own record). */
export function AcknowledgementParts({ item, me }: { item: DeskItem; me: string | null }) {
  const at = formatDateTime(item.acknowledgedAt, currentLanguage());
  if (me !== null && item.acknowledgedBy === me) {
    return <>{t('ack.byYou', { at })}</>;
  }
  if (!item.acknowledgedBy) {
    return <>{t('ack.byAnother', { at })}</>;
  }
  return <>{tx('ack.by', { who: <PartnerText text={item.acknowledgedBy} /> }, { at })}</>;
}

/**
 * The acknowledge request and its progress: `onDone` gets the acknowledgement as this desk shows it (this officer, and
 * the gateway's time or now), then the result is announced.
 */
export function useAcknowledge(session: DeskSession) {
  const [acking, setAcking] = useState(false);
  const [error, setError] = useState<Message | null>(null);
  const acknowledge = async (seq: number, onDone: (done: AckState) => void): Promise<void> => {
    setAcking(true);
    setError(null);
    const r = await session.request('acknowledge', { seq });
    setAcking(false);
    if (!r.ok) {
      setError(r.error);
      return;
    }
    onDone({
      acknowledgedBy: session.hello?.officer ?? r.value.acknowledgedBy,
      acknowledgedAt: r.value.acknowledgedAt || new Date().toISOString(),
    });
    session.onAnnounce(t('ack.done'), false);
  };
  return { acking, error, setError, acknowledge };
}

// How each place is addressed: the detail pane's row is the only one on the page (ids; its status takes focus once
// acknowledged), the picture's stands in the selected list item (a live status instead of focus).
const PLACES = {
  detail: {
    rowClass: 'ack-row',
    rowTestId: undefined,
    buttonTestId: 'ack-button',
    buttonId: 'ack-button',
    statusTestId: 'ack-status',
    statusId: 'ack-status',
    statusTabIndex: -1,
    statusRole: undefined,
  },
  picture: {
    rowClass: 'ack-row picture-ack',
    rowTestId: 'picture-ack',
    buttonTestId: 'picture-ack-button',
    buttonId: undefined,
    statusTestId: 'picture-ack-status',
    statusId: undefined,
    statusTabIndex: undefined,
    statusRole: 'status',
  },
} as const;

/** The acknowledge button, while the alert is not acknowledged, and the status line. */
export function AckRow({
  place,
  item,
  me,
  acking,
  error,
  onAcknowledge,
  statusRef,
}: {
  place: keyof typeof PLACES;
  /** the alert, with its acknowledgement if it has one */
  item: DeskItem;
  me: string | null;
  acking: boolean;
  error: Message | null;
  onAcknowledge: () => void;
  statusRef?: Ref<HTMLSpanElement>;
}) {
  const p = PLACES[place];
  return (
    <div class={p.rowClass} data-testid={p.rowTestId}>
      {item.acknowledgedAt ? null : (
        <button
          type="button"
          data-testid={p.buttonTestId}
          id={p.buttonId}
          disabled={acking}
          onClick={onAcknowledge}
        >
          {t('ack.button')}
        </button>
      )}
      <span
        class="ack-status"
        data-testid={p.statusTestId}
        id={p.statusId}
        tabIndex={p.statusTabIndex}
        ref={statusRef}
        role={p.statusRole}
        data-state={item.acknowledgedAt ? 'acknowledged' : error ? 'error' : 'open'}
      >
        {item.acknowledgedAt
          ? tx('ack.status', { state: <AcknowledgementParts item={item} me={me} /> })
          : acking
            ? t('ack.statusPending')
            : error
              ? t('ack.statusFailed', { reason: say(error) })
              : t('ack.statusOpen')}
      </span>
    </div>
  );
}
