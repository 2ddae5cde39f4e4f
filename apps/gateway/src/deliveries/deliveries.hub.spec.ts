// When the deliveries hub listens to the database (pure logic: a fake connection stands in for PostgreSQL's LISTEN; the
// pushes themselves are tested end to end in compose.browser.e2e.ts).
import { EventEmitter } from 'node:events';
import pino from 'pino';
import type { Client } from 'pg';
import type { OutboxRepository } from '../exchange/outbox.repository';
import { DeliveriesHub, IDLE_CLOSE_MS } from './deliveries.hub';

class FakeListener extends EventEmitter {
  ended = false;
  end(): Promise<void> {
    this.ended = true;
    this.emit('end');
    return Promise.resolve();
  }
  notify(payload: string): void {
    this.emit('notification', { channel: 'corridor_deliveries', payload });
  }
}

function hub(opts: { failFirst?: number } = {}) {
  const opened: FakeListener[] = [];
  let failures = opts.failFirst ?? 0;
  const h = new DeliveriesHub({} as OutboxRepository, 'postgres://unused', pino({ level: 'silent' }), () => {
    if (failures > 0) {
      failures--;
      return Promise.reject(new Error('connection refused'));
    }
    const l = new FakeListener();
    opened.push(l);
    return Promise.resolve(l as unknown as Client);
  });
  const changed: string[][] = [];
  h.on('changed', (ids) => changed.push(ids));
  h.start();
  return { h, opened, changed };
}

/** Lets the fake connection's promises settle under fake timers. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) {
    await Promise.resolve();
  }
};

describe('DeliveriesHub', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('opens no connection while no page is connected', async () => {
    const { h, opened } = hub();
    await h.ready();
    jest.advanceTimersByTime(60_000);
    expect(opened).toHaveLength(0);
    expect(h.listening).toBe(false);
  });

  it('listens once pages connect (one connection for all), and hands on what changed', async () => {
    const { h, opened, changed } = hub();
    h.retain();
    h.retain();
    await h.ready();
    expect(opened).toHaveLength(1);
    expect(h.listening).toBe(true);
    opened[0].notify('a1');
    opened[0].notify('a1');
    opened[0].notify('a2');
    jest.advanceTimersByTime(20);
    expect(changed).toEqual([['a1', 'a2']]);
  });

  it('closes the connection IDLE_CLOSE_MS after the last page left, unless another came back meanwhile', async () => {
    const { h, opened } = hub();
    h.retain();
    h.retain();
    await h.ready();
    h.release();
    jest.advanceTimersByTime(IDLE_CLOSE_MS * 2);
    expect(opened[0].ended).toBe(false); // one page still here
    h.release();
    jest.advanceTimersByTime(IDLE_CLOSE_MS - 1);
    h.retain(); // a reload: the same connection serves it
    jest.advanceTimersByTime(IDLE_CLOSE_MS * 2);
    expect(opened[0].ended).toBe(false);
    expect(opened).toHaveLength(1);
    h.release();
    jest.advanceTimersByTime(IDLE_CLOSE_MS);
    await settle();
    expect(opened[0].ended).toBe(true);
    expect(h.listening).toBe(false);
    // the connection's end is not a loss: nothing is opened again until a page comes
    jest.advanceTimersByTime(5_000);
    await settle();
    expect(opened).toHaveLength(1);
  });

  it('opens the connection again after a loss while pages are connected, not after they left', async () => {
    const { h, opened } = hub();
    h.retain();
    await h.ready();
    opened[0].emit('error', new Error('terminating connection due to administrator command'));
    expect(h.listening).toBe(false);
    jest.advanceTimersByTime(1000);
    await settle();
    expect(opened).toHaveLength(2);
    expect(h.listening).toBe(true);
    h.release();
    opened[1].emit('error', new Error('gone again'));
    jest.advanceTimersByTime(5_000);
    await settle();
    expect(opened).toHaveLength(2);
  });

  it('a follow does not wait for ever when the database refuses: ready resolves, and the connection is retried', async () => {
    const { h, opened } = hub({ failFirst: 1 });
    h.retain();
    await h.ready();
    expect(h.listening).toBe(false);
    jest.advanceTimersByTime(1000);
    await settle();
    expect(opened).toHaveLength(1);
    expect(h.listening).toBe(true);
  });

  it('stop closes the connection and opens nothing after', async () => {
    const { h, opened } = hub();
    h.retain();
    await h.ready();
    await h.stop();
    expect(opened[0].ended).toBe(true);
    h.retain();
    await h.ready();
    expect(opened).toHaveLength(1);
  });
});
