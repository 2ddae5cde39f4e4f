// Alerts as they cross Kafka (protobuf), for tests that seal envelopes themselves instead of going through an API.
import { v7 as uuidv7 } from 'uuid';
import {
  AlertSchema,
  BulletinSchema,
  Category,
  Classification,
  create,
  HandlingCode,
  Priority,
  type Alert,
} from '@corridor/contracts';

/** A GREEN bulletin originated by `from`, created now (or at `nowMs`), with `over` applied. */
export function bulletinProto(opts: { from?: string; nowMs?: number; over?: Partial<Alert> } = {}): Alert {
  const id = uuidv7();
  const alert = create(AlertSchema, {
    id,
    threadId: id,
    category: Category.BULLETIN,
    classification: Classification.GREEN,
    priority: Priority.ROUTINE,
    handling: HandlingCode.H1,
    originatorCountry: opts.from ?? 'LY',
    originatorAgency: `${opts.from ?? 'LY'}-AGENCY`,
    createdAtMs: BigInt(opts.nowMs ?? Date.now()),
    title: 'Departures from Zuwara',
    payload: { case: 'bulletin', value: create(BulletinSchema, { title: 't', summary: 's', body: 'b\nc' }) },
  });
  return Object.assign(alert, opts.over ?? {});
}
