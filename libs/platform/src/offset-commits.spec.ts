import type { Consumer } from 'kafkajs';
import pino from 'pino';
import { OffsetCommits } from './kafka.client';

type Offsets = { topic: string; partition: number; offset: string }[];

/** A stand-in for kafkajs's commitOffsets that records each call and answers when told to. */
function recordingConsumer() {
  const calls: Offsets[] = [];
  const answers: (() => void)[] = [];
  const consumer = {
    commitOffsets: (offsets: Offsets) => {
      calls.push(offsets);
      return new Promise<void>((resolve) => answers.push(resolve));
    },
  } as unknown as Consumer;
  return { consumer, calls, answer: () => answers.shift()?.() };
}

describe('OffsetCommits', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('commits at once, then at most one commit per interval with the newest offset of each partition', async () => {
    const { consumer, calls, answer } = recordingConsumer();
    const commits = new OffsetCommits(consumer, pino({ enabled: false }));
    commits.add('t', 0, '1');
    expect(calls).toEqual([[{ topic: 't', partition: 0, offset: '1' }]]);
    commits.add('t', 0, '2');
    commits.add('t', 1, '7');
    commits.add('t', 0, '3');
    answer();
    await Promise.resolve();
    expect(calls).toHaveLength(1); // the interval has not passed
    await jest.advanceTimersByTimeAsync(250);
    expect(calls).toHaveLength(2);
    expect(calls[1]).toEqual([
      { topic: 't', partition: 0, offset: '3' },
      { topic: 't', partition: 1, offset: '7' },
    ]);
    answer();
    await jest.advanceTimersByTimeAsync(1000);
    expect(calls).toHaveLength(2); // nothing new, nothing sent
  });

  it('flushes what is waiting at once, without waiting for the interval (shutdown)', async () => {
    const { consumer, calls, answer } = recordingConsumer();
    const commits = new OffsetCommits(consumer, pino({ enabled: false }));
    commits.add('t', 0, '1');
    answer();
    await jest.advanceTimersByTimeAsync(0); // the first commit is done; the interval has not passed
    commits.add('t', 0, '5');
    expect(calls).toHaveLength(1);
    const flushed = commits.flush();
    await jest.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(2);
    expect(calls[1]).toEqual([{ topic: 't', partition: 0, offset: '5' }]);
    answer();
    await flushed;
  });
});
