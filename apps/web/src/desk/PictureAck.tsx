// Acknowledge from the situational picture: the selected alert (on the map or in its keyboard list) offers the same
// acknowledge event as the detail pane, and shows who acknowledged it once done, here or before (the server's picture
// says so for an alert acknowledged outside this tab's feed).
import type { PictureItem } from '@corridor/gateway-api';
import { useState } from 'preact/hooks';
import { AckRow, useAcknowledge } from './AckRow';
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
  const ack = useAcknowledge(session);
  const rowKey = `alert:${pictureKey(item)}`;
  const row = session.feed.rows.get(rowKey);
  const [local, setLocal] = useState<AckState | null>(null);
  // The server's picture knows of acknowledgements made before this tab's feed (a reload, another tab or desk).
  const known = pictureAcknowledgement(item, local, row);
  const seq = item.seq;
  if (seq === null) {
    return null;
  }
  const acknowledge = () =>
    ack.acknowledge(seq, (done) => {
      setLocal(done);
      onAcknowledged?.(done);
      if (row) {
        session.feed.patch(rowKey, done);
        session.schedulePersist();
        session.changed();
      }
    });
  return (
    <AckRow
      place="picture"
      item={{
        ...(row ?? pictureAsFeedRow(item)),
        acknowledgedAt: known?.acknowledgedAt ?? null,
        acknowledgedBy: known?.acknowledgedBy ?? null,
      }}
      me={session.hello?.officer ?? null}
      acking={ack.acking}
      error={ack.error}
      onAcknowledge={() => void acknowledge()}
    />
  );
}
