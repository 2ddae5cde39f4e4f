// Debian's Chromium for the browser tests (a downloaded browser cannot work on these machines).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { PrerequisiteError } from './prereqs';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function ensureChromium(progress: (l: string) => void): string {
  if (fs.existsSync(CHROMIUM)) {
    return CHROMIUM;
  }
  if (process.getuid?.() !== 0) {
    throw new PrerequisiteError(
      `${CHROMIUM} is missing: run "sudo apt-get install -y chromium" (or set CHROMIUM_PATH)`,
    );
  }
  progress('installing Debian chromium with apt-get (first time only, about a minute)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-q'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  const install = spawnSync(
    'apt-get',
    ['install', '-y', '-q', '--no-install-recommends', 'chromium', 'fonts-dejavu-core'],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
      env,
    },
  );
  if (update.status !== 0 || install.status !== 0 || !fs.existsSync(CHROMIUM)) {
    throw new PrerequisiteError(
      'apt-get could not install chromium: check that the Debian mirror is reachable, then retry',
    );
  }
  progress('chromium installed');
  return CHROMIUM;
}
