// Acknowledge from the situational picture: the selected alert (on the map or in its keyboard list) offers the same
// acknowledge event as the detail pane, and shows who acknowledged it once done, here or before (the server's picture
// says so for an alert acknowledged outside this tab's feed).
import type { PictureItem } from '@corridor/gateway-api';
import { useState } from 'preact/hooks';
import { tx } from '../shared/bidi';
import { t } from '../shared/i18n';
import { say, type Message } from '../shared/message';
import { AcknowledgementParts } from './Detail';
import { useSession } from './hooks';
import { type AckState, pictureAcknowledgement, pictureAsFeedRow, pictureKey } from './picture';

export function PictureAck({
  item,
  onAcknowledged,
}: {
  item: PictureItem;
  /** the picture keeps it on its item, so the alert still reads acknowledged when selected again */
  onAcknowledged?: (ack: AckState) => void;
}) {
  const session = useSession();
  const [acking, setAcking] = useState(false);
  const [error, setError] = useState<Message | null>(null);
  const rowKey = `alert:${pictureKey(item)}`;
  const row = session.feed.rows.get(rowKey);
  const [local, setLocal] = useState<AckState | null>(null);
  // The server's picture knows of acknowledgements made before this tab's feed (a reload, another tab or desk).
  const ack = pictureAcknowledgement(item, local, row);
  const acknowledgedAt = ack?.acknowledgedAt ?? null;
  const acknowledgedBy = ack?.acknowledgedBy ?? null;
  const seq = item.seq;
  if (seq === null) {
    return null;
  }
  const acknowledge = async (): Promise<void> => {
    setAcking(true);
    setError(null);
    const r = await session.request('acknowledge', { seq });
    setAcking(false);
    if (!r.ok) {
      setError(r.error);
      return;
    }
    const done = {
      acknowledgedBy: session.hello?.officer ?? r.value.acknowledgedBy,
      acknowledgedAt: r.value.acknowledgedAt || new Date().toISOString(),
    };
    setLocal(done);
    onAcknowledged?.(done);
    if (row) {
      session.feed.patch(rowKey, done);
      session.schedulePersist();
      session.changed();
    }
    session.onAnnounce(t('ack.done'), false);
  };
  return (
    <div class="ack-row picture-ack" data-testid="picture-ack">
      {acknowledgedAt ? null : (
        <button
          type="button"
          data-testid="picture-ack-button"
          disabled={acking}
          onClick={() => void acknowledge()}
        >
          {t('ack.button')}
        </button>
      )}
      <span
        class="ack-status"
        data-testid="picture-ack-status"
        role="status"
        data-state={acknowledgedAt ? 'acknowledged' : error ? 'error' : 'open'}
      >
        {acknowledgedAt
          ? tx('ack.status', {
              state: (
                <AcknowledgementParts
                  item={{ ...(row ?? pictureAsFeedRow(item)), acknowledgedAt, acknowledgedBy }}
                  me={session.hello?.officer ?? null}
                />
              ),
            })
          : acking
            ? t('ack.statusPending')
            : error
              ? t('ack.statusFailed', { reason: say(error) })
              : t('ack.statusOpen')}
      </span>
    </div>
  );
}
