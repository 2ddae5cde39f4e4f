/**
 * Web front-end benchmark: the desk's first load in Debian's Chromium. Reports the gzipped JavaScript of the first
 * load (the desk's scripts the browser fetched until the desk answered input, plus the gateway's socket.io client;
 * the map data and the chunks loaded later, maps and other languages, are not counted) against a 300 KB budget, and
 * the time until the desk answers input (its `corridor:interactive' performance mark) against 1 s, beside a bare
 * page (one empty module script) served by the same server in the same run, cold cache each load. Long tasks
 * (> 50 ms) are counted with the Performance API, and each long animation frame is attributed to the scripts that
 * ran in it (Long Animation Frames API). Then a feed of 10,000 items (pushed by a socket.io server speaking the
 * desk's event map, standing in for a gateway: this measures the page, not the server) is scrolled from top to
 * bottom, beside a plain list of 10,000 static rows scrolled the same way. Run: npm run bench -- webapp
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';
import { Server } from 'socket.io';
import type { ClientToServerEvents, DeskItem, ServerToClientEvents } from '@corridor/gateway-api';
import { freePort } from '../scripts/lib/prereqs';
import { onCleanup } from './lib/cleanup';
import { fixed, printTable, summarize, verdict } from './lib/stats';

const ROOT = path.join(__dirname, '..');
const DESK = path.join(ROOT, 'dist', 'web', 'desk');
const SOCKET_IO_DIST = path.join(ROOT, 'node_modules', 'socket.io', 'client-dist');
// WEBAPP_PROFILE=1: a CPU profile of the scroll, after a couple of loads only.
const LOADS = process.env.WEBAPP_PROFILE === '1' ? 2 : 15;
const FEED_ITEMS = 10_000;
const SCROLL_STEPS = 200;
const BUDGET_GZIP_KB = 300;
const GOAL_INTERACTIVE_MS = 1000;
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:";
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
};

function gzipKb(file: string): number {
  return zlib.gzipSync(fs.readFileSync(file)).length / 1024;
}

/** The desk's files, a bare page, and the socket.io client, gzipped like a production proxy would. */
function serve(port: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    let file: string | null = null;
    if (url.pathname.startsWith('/socket.io/')) {
      return; // socket.io's own handler answers, client file included (as at a gateway)
    }
    if (url.pathname === '/bare/') {
      res.writeHead(200, { 'content-type': TYPES['.html'], 'content-security-policy': CSP });
      res.end(
        '<!doctype html><html lang="en"><head><title>bare</title><script type="module" src="/bare/m.js"></script></head><body><p>bare</p></body></html>',
      );
      return;
    } else if (url.pathname === '/plain/') {
      // The baseline of the scroll: the same number of rows as plain static DOM, no script, no virtualisation.
      const rows = Array.from(
        { length: FEED_ITEMS },
        (_, i) => `<li>Convoy ${i + 1} leaving Agadez towards Sabha</li>`,
      );
      res.writeHead(200, { 'content-type': TYPES['.html'], 'content-security-policy': CSP });
      res.end(
        `<!doctype html><html lang="en"><head><title>plain</title><link rel="stylesheet" href="/plain/s.css"></head><body><ul data-testid="feed">${rows.join('')}</ul></body></html>`,
      );
      return;
    } else if (url.pathname === '/plain/s.css') {
      res.writeHead(200, { 'content-type': TYPES['.css'] });
      res.end('ul { height: 700px; overflow: auto; margin: 0; } li { height: 96px; margin-bottom: 8px; }');
      return;
    } else if (url.pathname === '/bare/m.js') {
      res.writeHead(200, { 'content-type': TYPES['.js'] });
      res.end("performance.mark('corridor:interactive');");
      return;
    } else if (url.pathname.startsWith('/desk/')) {
      const rel = url.pathname.slice('/desk/'.length) || 'index.html';
      const candidate = path.join(DESK, path.normalize(rel));
      file = candidate.startsWith(DESK) && fs.existsSync(candidate) ? candidate : null;
    }
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'content-encoding': 'gzip',
      'content-security-policy': CSP,
    });
    res.end(zlib.gzipSync(fs.readFileSync(file)));
  });
  // The desk's protocol, standing in for a gateway: hello, then FEED_ITEMS route alerts on resume.
  const io = new Server<ClientToServerEvents, ServerToClientEvents>(server, { serveClient: true });
  io.of('/desk').on('connection', (socket) => {
    socket.emit('hello', {
      officer: 'XX/officer.bench',
      country: 'XX',
      desk: null,
      clearance: 'RED',
      categories: ['ROUTE'],
      latestSeq: FEED_ITEMS,
    });
    socket.on('resume', (req, ack) => {
      for (let seq = req.lastSeq + 1; seq <= FEED_ITEMS; seq++) {
        socket.emit('feed', feedItem(seq));
      }
      ack({ ok: true, replayed: FEED_ITEMS - req.lastSeq, latestSeq: FEED_ITEMS });
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

function feedItem(seq: number): DeskItem {
  return {
    seq,
    event: 'ALERT',
    inboxSeq: seq,
    sender: ['LY', 'NE', 'IT', 'TN'][seq % 4],
    origin: ['LY', 'NE', 'IT', 'TN'][seq % 4],
    alertId: `bench-${seq}`,
    threadId: null,
    category: 'ROUTE',
    priority: seq % 10 === 0 ? 'FLASH' : 'ROUTINE',
    classification: 'AMBER',
    title: `Convoy ${seq} leaving Agadez towards Sabha`,
    state: 'ACTIVE',
    receivedAt: new Date(Date.now() - (FEED_ITEMS - seq) * 1000).toISOString(),
    acknowledgedBy: null,
    acknowledgedAt: null,
    redactedFields: [],
    summary: {
      originCountry: 'NE',
      transit: ['Dirkou', 'Sabha'],
      destinationCountry: 'IT',
      estimatedPeople: 120,
    },
    reply: null,
  };
}

/** What a long animation frame spent its time on: the longest script that ran in it. */
interface FrameBlame {
  duration: number;
  script: string;
}

/** Long tasks and long animation frames seen in a page, collected from its start (an init script). */
function observeLongTasks(): void {
  const w = window as unknown as { longTasks: number[]; frames: { duration: number; script: string }[] };
  w.longTasks = [];
  w.frames = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      w.longTasks.push(e.duration);
    }
  }).observe({ type: 'longtask', buffered: true });
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries() as (PerformanceEntry & {
        scripts?: {
          duration: number;
          invoker: string;
          sourceFunctionName: string;
          sourceURL: string;
          sourceCharPosition: number;
        }[];
      })[]) {
        const top = [...(e.scripts ?? [])].sort((a, b) => b.duration - a.duration)[0];
        const where = top
          ? `${top.invoker} ${top.sourceFunctionName || '(anonymous)'} ${top.sourceURL.replace(/^.*\//, '')}:${top.sourceCharPosition} ${Math.round(top.duration)} ms`
          : 'no script (style, layout, paint)';
        const blocking = (e as unknown as { blockingDuration?: number }).blockingDuration ?? e.duration;
        if (e.duration > 50 && blocking > 0) {
          w.frames.push({ duration: e.duration, script: `${where}; blocking ${Math.round(blocking)} ms` });
        }
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
  } catch {
    // no Long Animation Frames API: long tasks only
  }
}

/** Opens a page, waits until its list holds `rows` rows, scrolls it top to bottom; long tasks while scrolling. */
async function scrollList(opts: {
  browser: import('playwright-core').Browser;
  url: string;
  ready: (page: import('playwright-core').Page) => Promise<void>;
  /** records a CPU profile of the scroll and prints where the time went (WEBAPP_PROFILE=1) */
  profile?: boolean;
}): Promise<{ tasks: number[]; rendered: number; frames: FrameBlame[] }> {
  const context = await opts.browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  await page.goto(opts.url);
  await opts.ready(page);
  const cdp = opts.profile ? await context.newCDPSession(page) : null;
  if (cdp) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
  }
  const r = await page.evaluate(async (steps) => {
    const tasks: number[] = [];
    const frames: { duration: number; script: string }[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        tasks.push(e.duration);
      }
    });
    observer.observe({ type: 'longtask' });
    let frameObserver: PerformanceObserver | null = null;
    try {
      frameObserver = new PerformanceObserver((list) => {
        for (const e of list.getEntries() as (PerformanceEntry & {
          scripts?: { duration: number; invoker: string; sourceFunctionName: string; sourceURL: string }[];
        })[]) {
          if (e.duration > 50) {
            const top = [...(e.scripts ?? [])].sort((a, b) => b.duration - a.duration)[0];
            frames.push({
              duration: e.duration,
              script: top
                ? `${top.invoker} ${top.sourceFunctionName || '(anonymous)'} ${Math.round(top.duration)} ms`
                : 'no script (style, layout, paint)',
            });
          }
        }
      });
      frameObserver.observe({ type: 'long-animation-frame' });
    } catch {
      frameObserver = null;
    }
    const feed = document.querySelector<HTMLElement>('[data-testid=feed]')!;
    let rendered = 0;
    for (let i = 1; i <= steps; i++) {
      feed.scrollTop = ((feed.scrollHeight - feed.clientHeight) * i) / steps;
      // two frames: the scroll handler's render, then its paint (no named helpers: tsx would wrap them in __name)
      await new Promise((r) => requestAnimationFrame(r));
      await new Promise((r) => requestAnimationFrame(r));
      rendered = Math.max(rendered, feed.querySelectorAll('li:not([aria-hidden])').length);
    }
    await new Promise((r) => setTimeout(r, 200));
    observer.disconnect();
    frameObserver?.disconnect();
    return { tasks, rendered, frames };
  }, SCROLL_STEPS);
  if (cdp) {
    const { profile } = await cdp.send('Profiler.stop');
    printProfile(profile);
  }
  await context.close();
  return r;
}

/** The functions that took the most time themselves in a CPU profile, with their file and line. */
function printProfile(profile: {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples?: number[];
  timeDeltas?: number[];
}): void {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  (profile.samples ?? []).forEach((id, i) => {
    const f = byNode.get(id)?.callFrame;
    const name = f
      ? `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\//, '')}:${f.lineNumber + 1}`
      : '?';
    self.set(name, (self.get(name) ?? 0) + (profile.timeDeltas?.[i] ?? 0) / 1000);
  });
  console.log('CPU profile of the desk scroll, self time:');
  for (const [name, ms] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    console.log(`  ${fixed(ms)} ms  ${name}`);
  }
}

/** The desk signed in, once the whole feed has arrived. */
async function feedLoaded(page: import('playwright-core').Page): Promise<void> {
  await page.locator('[data-testid=feed-item]').first().waitFor();
  await page.waitForFunction(
    (n) => document.querySelector('[data-testid=feed-item]')?.getAttribute('aria-setsize') === String(n),
    FEED_ITEMS,
    { timeout: 120_000 },
  );
}

/** Long tasks of a phase: how many, the longest, and what the longest frames ran. */
function phaseRow(name: string, tasks: number[]): (string | number)[] {
  return [name, tasks.length, tasks.length ? Math.max(...tasks) : 0];
}

function blame(frames: FrameBlame[]): string[] {
  return [...frames]
    .sort((a, b) => b.duration - a.duration)
    .slice(0, 5)
    .map((f) => `  ${fixed(f.duration)} ms frame: ${f.script}`);
}

export async function run(): Promise<void> {
  if (!fs.existsSync(path.join(DESK, 'index.html'))) {
    throw new Error('dist/web/desk is missing: run npm run build first');
  }
  const assets = fs.readdirSync(path.join(DESK, 'assets'));
  const allJsKb = assets
    .filter((f) => f.endsWith('.js'))
    .reduce((sum, f) => sum + gzipKb(path.join(DESK, 'assets', f)), 0);
  const mapKb = assets
    .filter((f) => f.endsWith('.json'))
    .reduce((s, f) => s + gzipKb(path.join(DESK, 'assets', f)), 0);

  const port = await freePort();
  const server = await serve(port);
  const closeServer = onCleanup('web server', () => new Promise<void>((r) => server.close(() => r())));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  const closeBrowser = onCleanup('chromium', () => browser.close());
  const measure = async (
    url: string,
  ): Promise<{ interactive: number[]; longTasks: number[]; frames: FrameBlame[]; scripts: Set<string> }> => {
    const interactive: number[] = [];
    const longTasks: number[] = [];
    const frames: FrameBlame[] = [];
    const scripts = new Set<string>();
    for (let i = 0; i < LOADS; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.addInitScript(observeLongTasks);
      await page.goto(url);
      await page.waitForFunction(() => performance.getEntriesByName('corridor:interactive').length > 0);
      // Tasks right after the mark (the first render's effects) belong to the load too.
      await page.waitForTimeout(300);
      const r = await page.evaluate(() => {
        const w = window as unknown as {
          longTasks: number[];
          frames: { duration: number; script: string }[];
        };
        const at = performance.getEntriesByName('corridor:interactive')[0].startTime;
        return {
          at,
          longTasks: w.longTasks,
          frames: w.frames,
          scripts: performance
            .getEntriesByType('resource')
            .filter((e) => e.startTime <= at && new URL(e.name).pathname.endsWith('.js'))
            .map((e) => new URL(e.name).pathname),
        };
      });
      // The first load warms Chromium's own start-up paths: not counted.
      if (i > 0) {
        interactive.push(r.at);
        longTasks.push(...r.longTasks);
        frames.push(...r.frames);
        r.scripts.forEach((x) => scripts.add(x));
      }
      await context.close();
    }
    return { interactive, longTasks, frames, scripts };
  };
  console.log(`[webapp] ${LOADS} cold loads each of a bare page and of the desk …`);
  const bare = await measure(`http://127.0.0.1:${port}/bare/`);
  const desk = await measure(`http://127.0.0.1:${port}/desk/`);
  console.log(`[webapp] a feed of ${FEED_ITEMS} items, scrolled top to bottom in ${SCROLL_STEPS} steps …`);
  const plain = await scrollList({
    browser,
    url: `http://127.0.0.1:${port}/plain/`,
    ready: (page) => page.locator('li').first().waitFor(),
  });
  const scrolled = await scrollList({
    browser,
    url: `http://127.0.0.1:${port}/desk/#token=bench`,
    ready: feedLoaded,
    profile: process.env.WEBAPP_PROFILE === '1',
  });
  await closeBrowser();
  await closeServer();

  // First-load JavaScript: what the desk fetched before it answered input (its own files, gzipped as served).
  const deskScripts = [...desk.scripts].filter((p) => p.startsWith('/desk/'));
  const bundleKb = deskScripts.reduce((sum, p) => sum + gzipKb(path.join(DESK, p.slice('/desk/'.length))), 0);
  // The gateway's socket.io client, as the page asked for it (socket.io.js or socket.io.min.js).
  const socketIoScripts = [...desk.scripts].filter((p) => p.startsWith('/socket.io/'));
  const socketIoKb = socketIoScripts.reduce(
    (sum, p) => sum + gzipKb(path.join(SOCKET_IO_DIST, path.basename(p))),
    0,
  );
  const firstLoadKb = bundleKb + socketIoKb;

  const b = summarize(bare.interactive);
  const d = summarize(desk.interactive);
  printTable({
    headers: ['page', 'loads', 'interactive p50 ms', 'p99 ms', 'max ms'],
    rows: [
      ['bare page (baseline)', b.count, b.p50, b.p99, b.max],
      ['desk', d.count, d.p50, d.p99, d.max],
    ],
  });
  console.log('');
  printTable({
    headers: ['phase', 'long tasks > 50 ms', 'longest ms'],
    rows: [
      phaseRow(`load: bare page (baseline), ${b.count} loads`, bare.longTasks),
      phaseRow(`load: desk, ${d.count} loads`, desk.longTasks),
      phaseRow(`scroll: plain list of ${FEED_ITEMS} static rows (baseline)`, plain.tasks),
      phaseRow(`scroll: desk feed of ${FEED_ITEMS} items`, scrolled.tasks),
    ],
  });
  for (const [name, frames] of [
    ['desk load', desk.frames],
    ['desk scroll', scrolled.frames],
  ] as const) {
    if (frames.length) {
      console.log(`longest animation frames over 50 ms, ${name} (the longest script in each):`);
      console.log(blame(frames).join('\n'));
    }
  }
  console.log(
    `first-load JavaScript, gzipped: desk scripts ${fixed(bundleKb)} KB (${deskScripts.map((p) => path.basename(p)).join(', ')}) + socket.io client ${fixed(socketIoKb)} KB (${socketIoScripts.map((p) => path.basename(p)).join(', ')}) = ${fixed(firstLoadKb)} KB (all the desk's chunks: ${fixed(allJsKb)} KB; map data, not counted: ${fixed(mapKb)} KB)`,
  );
  console.log(`desk / bare page, interactive p50: ${fixed(d.p50 / b.p50, 2)}x`);
  console.log(
    verdict({
      met: firstLoadKb <= BUDGET_GZIP_KB,
      text: `first-load JS ${fixed(firstLoadKb)} KB <= ${BUDGET_GZIP_KB} KB gzipped`,
    }),
  );
  console.log(
    verdict({
      met: d.p99 <= GOAL_INTERACTIVE_MS,
      text: `interactive p99 ${fixed(d.p99)} ms <= ${GOAL_INTERACTIVE_MS} ms`,
    }),
  );
  console.log(
    verdict({
      met: desk.longTasks.every((t) => t <= 50),
      text: `no long task over 50 ms during load (${desk.longTasks.length}, longest ${fixed(Math.max(0, ...desk.longTasks))} ms)`,
    }),
  );
  console.log(`feed of ${FEED_ITEMS}: at most ${scrolled.rendered} rows in the DOM at once`);
  console.log(
    verdict({
      met: scrolled.tasks.length === 0,
      text: `no long task over 50 ms while scrolling a feed of ${FEED_ITEMS} items (${scrolled.tasks.length}, longest ${fixed(Math.max(0, ...scrolled.tasks))} ms)`,
    }),
  );
}
