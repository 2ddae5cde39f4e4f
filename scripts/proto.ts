// npm run proto (regenerate libs/contracts from proto/) | npm run proto:check (lint + generated code up to date)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.join(__dirname, '..');
const bin = path.join(root, 'node_modules', '.bin');
const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` };
const genDir = path.join(root, 'libs', 'contracts', 'src', 'gen');

function buf(args: string[], cwd = path.join(root, 'proto')): void {
  const r = spawnSync('buf', args, { cwd, env, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(
      `[proto] buf ${args.join(' ')} failed: fix the .proto files named above, then run npm run proto`,
    );
    process.exit(1);
  }
}

function listFiles(dir: string): string[] {
  return fs.existsSync(dir)
    ? fs
        .readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((d) => d.isFile())
        .map((d) => path.relative(dir, path.join(d.parentPath, d.name)))
        .sort()
    : [];
}

const verb = process.argv[2] ?? 'generate';
buf(['lint']);
if (verb === 'generate') {
  fs.rmSync(genDir, { recursive: true, force: true });
  buf(['generate']);
  console.log(`[proto] generated ${listFiles(genDir).length} files into libs/contracts/src/gen`);
} else if (verb === 'check') {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'corridor-proto-'));
  // buf.gen.yaml writes to ../libs/contracts/src/gen relative to --output, so give it a nested folder
  buf(['generate', '--output', path.join(tmp, 'out')]);
  const generated = path.join(tmp, 'libs', 'contracts', 'src', 'gen');
  const a = listFiles(genDir);
  const b = listFiles(generated);
  const stale = b.filter(
    (f) =>
      !a.includes(f) ||
      fs.readFileSync(path.join(genDir, f), 'utf8') !== fs.readFileSync(path.join(generated, f), 'utf8'),
  );
  const extra = a.filter((f) => !b.includes(f));
  fs.rmSync(tmp, { recursive: true, force: true });
  if (stale.length || extra.length) {
    console.error(
      `[proto] libs/contracts is out of date (${[...stale, ...extra].join(', ')}): run npm run proto and commit`,
    );
    process.exit(1);
  }
  console.log('[proto] lint clean, generated code up to date');
} else {
  console.error(`[proto] unknown verb ${verb}: use generate or check`);
  process.exit(2);
}
