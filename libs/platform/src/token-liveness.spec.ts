import { TokenLiveness } from './token-liveness';

describe('TokenLiveness', () => {
  let now = 0;
  const clock = (): number => now;

  beforeEach(() => {
    now = 1_000_000;
  });

  it('asks the provider once per token within the cache period, then again after it', async () => {
    const asked: string[] = [];
    const l = new TokenLiveness({
      introspect: (t) => {
        asked.push(t);
        return Promise.resolve(true);
      },
      cacheMs: 2000,
      now: clock,
    });
    expect(await l.isLive('a')).toBe(true);
    expect(await l.isLive('a')).toBe(true);
    now += 1999;
    expect(await l.isLive('a')).toBe(true);
    expect(asked).toEqual(['a']);
    now += 1;
    await l.isLive('a');
    expect(asked).toEqual(['a', 'a']);
  });

  it('reports an inactive token as not live, and sees a token go inactive after the cache period', async () => {
    let active = true;
    const l = new TokenLiveness({ introspect: () => Promise.resolve(active), cacheMs: 1000, now: clock });
    expect(await l.isLive('t')).toBe(true);
    active = false;
    expect(await l.isLive('t')).toBe(true);
    now += 1000;
    expect(await l.isLive('t')).toBe(false);
  });

  it('asks every time with cacheMs 0, and shares one question between concurrent calls', async () => {
    let calls = 0;
    const l = new TokenLiveness({
      introspect: async () => {
        calls++;
        await new Promise((r) => setTimeout(r, 5));
        return true;
      },
      cacheMs: 0,
      now: clock,
    });
    await Promise.all([l.isLive('x'), l.isLive('x'), l.isLive('x')]);
    expect(calls).toBe(1);
    await l.isLive('x');
    expect(calls).toBe(2);
  });

  it('accepts the token when the provider cannot be asked, says so, and does not remember that', async () => {
    const errors: string[] = [];
    let down = true;
    const l = new TokenLiveness({
      introspect: () => (down ? Promise.reject(new Error('ECONNREFUSED')) : Promise.resolve(false)),
      cacheMs: 60_000,
      now: clock,
      onUnreachable: (e) => errors.push(e.message),
    });
    expect(await l.isLive('t')).toBe(true);
    expect(errors).toEqual(['ECONNREFUSED']);
    down = false;
    expect(await l.isLive('t')).toBe(false);
  });

  it('forgets the oldest answers beyond its bound', async () => {
    const asked: string[] = [];
    const l = new TokenLiveness({
      introspect: (t) => {
        asked.push(t);
        return Promise.resolve(true);
      },
      cacheMs: 60_000,
      maxEntries: 2,
      now: clock,
    });
    for (const t of ['a', 'b', 'c', 'a']) {
      await l.isLive(t);
    }
    expect(asked).toEqual(['a', 'b', 'c', 'a']);
  });
});
