import perfHooks from 'node:perf_hooks';
import { EVENT_LOOP_SAMPLE_MS, GatewayMetrics } from './metrics';

describe('GatewayMetrics', () => {
  it('samples the event-loop delay every EVENT_LOOP_SAMPLE_MS, not every 10 ms (an idle wake-up per sample)', () => {
    const monitor = jest.spyOn(perfHooks, 'monitorEventLoopDelay');
    try {
      const metrics = new GatewayMetrics();
      expect(monitor).toHaveBeenCalledTimes(1);
      expect(monitor.mock.calls[0][0]).toEqual({ resolution: EVENT_LOOP_SAMPLE_MS });
      expect(EVENT_LOOP_SAMPLE_MS).toBeGreaterThanOrEqual(100);
      metrics.registry.clear();
    } finally {
      monitor.mockRestore();
    }
  });

  it('still exposes the event-loop delay and GC metrics', async () => {
    const metrics = new GatewayMetrics();
    const text = await metrics.registry.metrics();
    expect(text).toContain('corridor_process_nodejs_eventloop_lag_p99_seconds');
    expect(text).toContain('corridor_process_nodejs_gc_duration_seconds');
    metrics.registry.clear();
  });
});
