import { GATEWAY_NODE_FLAGS, missingNodeFlags } from './node-flags';

describe("a gateway's Node.js flags", () => {
  it('names the memory reducer flag, and what a process started without it lacks', () => {
    expect(GATEWAY_NODE_FLAGS).toContain('--no-memory-reducer');
    expect(missingNodeFlags(['--enable-source-maps'])).toEqual(['--no-memory-reducer']);
    expect(missingNodeFlags(['--enable-source-maps', ...GATEWAY_NODE_FLAGS])).toEqual([]);
  });
});
