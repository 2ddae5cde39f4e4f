import fs from 'node:fs';
import path from 'node:path';

/** The repository root, found from here whether running from sources or from dist/. */
export function repoRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    const pkg = path.join(dir, 'package.json');
    if (
      fs.existsSync(pkg) &&
      (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'corridor'
    ) {
      return dir;
    }
    dir = path.dirname(dir);
  }
  throw new Error('cannot find the corridor repository root from ' + __dirname);
}
