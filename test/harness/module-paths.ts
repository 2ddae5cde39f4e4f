// Jest applies moduleNameMapper to tests, not to globalSetup/globalTeardown: resolve @corridor/<lib> here for
// them (the broker script they use issues certificates with @corridor/pki). Import this module first.
import Module from 'node:module';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
type Resolve = (request: string, ...rest: unknown[]) => string;
const mod = Module as unknown as { _resolveFilename: Resolve };
const original = mod._resolveFilename;
mod._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]): string {
  const lib = /^@corridor\/([a-z-]+)$/.exec(request);
  return original.call(this, lib ? path.join(ROOT, 'libs', lib[1], 'src', 'index.ts') : request, ...rest);
};
