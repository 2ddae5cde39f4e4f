/**
 * Web front-end benchmark: the desk's first load in Debian's Chromium. Reports the gzipped JavaScript of the first
 * load (the built desk bundle plus the gateway's socket.io client; the map data is not counted) against a 300 KB
 * budget, and the time until the desk answers input (its `corridor:interactive' performance mark) against 1 s,
 * beside a bare page (one empty module script) served by the same server in the same run, cold cache each load.
 * Long tasks (> 50 ms) during the load are counted with the Performance API. Then a feed of 10,000 items (pushed by a
 * socket.io server speaking the desk's event map, standing in for a gateway: this measures the page, not the server)
 * is scrolled from top to bottom, counting long tasks. Run: npm run bench -- webapp
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
const SOCKET_IO = path.join(ROOT, 'node_modules', 'socket.io', 'client-dist', 'socket.io.js');
const LOADS = 15;
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

/** Loads the desk signed in, waits for the whole feed, scrolls it top to bottom; long tasks while scrolling. */
async function scrollFeed(
  browser: import('playwright-core').Browser,
  url: string,
): Promise<{ tasks: number[]; rendered: number }> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${url}#token=bench`);
  await page.locator('[data-testid=feed-item]').first().waitFor();
  await page.waitForFunction(
    (n) => document.querySelector('[data-testid=feed-item]')?.getAttribute('aria-setsize') === String(n),
    FEED_ITEMS,
    { timeout: 120_000 },
  );
  const r = await page.evaluate(async (steps) => {
    const tasks: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        tasks.push(e.duration);
      }
    });
    observer.observe({ type: 'longtask' });
    const feed = document.querySelector<HTMLElement>('[data-testid=feed]')!;
    let rendered = 0;
    for (let i = 1; i <= steps; i++) {
      feed.scrollTop = ((feed.scrollHeight - feed.clientHeight) * i) / steps;
      // two frames: the scroll handler's render, then its paint (no named helpers: tsx would wrap them in __name)
      await new Promise((r) => requestAnimationFrame(r));
      await new Promise((r) => requestAnimationFrame(r));
      rendered = Math.max(rendered, feed.querySelectorAll('[data-testid=feed-item]').length);
    }
    await new Promise((r) => setTimeout(r, 200));
    observer.disconnect();
    return { tasks, rendered };
  }, SCROLL_STEPS);
  await context.close();
  return r;
}

export async function run(): Promise<void> {
  if (!fs.existsSync(path.join(DESK, 'index.html'))) {
    throw new Error('dist/web/desk is missing: run npm run build first');
  }
  const assets = fs.readdirSync(path.join(DESK, 'assets'));
  const js = assets.filter((f) => f.endsWith('.js'));
  const bundleKb = js.reduce((sum, f) => sum + gzipKb(path.join(DESK, 'assets', f)), 0);
  const socketIoKb = gzipKb(SOCKET_IO);
  const mapKb = assets
    .filter((f) => f.endsWith('.json'))
    .reduce((s, f) => s + gzipKb(path.join(DESK, 'assets', f)), 0);
  const firstLoadKb = bundleKb + socketIoKb;

  const port = await freePort();
  const server = await serve(port);
  const closeServer = onCleanup('web server', () => new Promise<void>((r) => server.close(() => r())));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  const closeBrowser = onCleanup('chromium', () => browser.close());
  const measure = async (url: string): Promise<{ interactive: number[]; longTasks: number[] }> => {
    const interactive: number[] = [];
    const longTasks: number[] = [];
    for (let i = 0; i < LOADS; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.addInitScript(() => {
        const w = window as unknown as { longTasks: number[] };
        w.longTasks = [];
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) {
            w.longTasks.push(e.duration);
          }
        }).observe({ type: 'longtask', buffered: true });
      });
      await page.goto(url);
      await page.waitForFunction(() => performance.getEntriesByName('corridor:interactive').length > 0);
      const r = await page.evaluate(() => ({
        at: performance.getEntriesByName('corridor:interactive')[0].startTime,
        longTasks: (window as unknown as { longTasks: number[] }).longTasks,
      }));
      // The first load warms Chromium's own start-up paths: not counted.
      if (i > 0) {
        interactive.push(r.at);
        longTasks.push(...r.longTasks);
      }
      await context.close();
    }
    return { interactive, longTasks };
  };
  console.log(`[webapp] ${LOADS} cold loads each of a bare page and of the desk …`);
  const bare = await measure(`http://127.0.0.1:${port}/bare/`);
  const desk = await measure(`http://127.0.0.1:${port}/desk/`);
  console.log(`[webapp] a feed of ${FEED_ITEMS} items, scrolled top to bottom in ${SCROLL_STEPS} steps …`);
  const scrolled = await scrollFeed(browser, `http://127.0.0.1:${port}/desk/`);
  await closeBrowser();
  await closeServer();

  const b = summarize(bare.interactive);
  const d = summarize(desk.interactive);
  printTable({
    headers: ['page', 'loads', 'interactive p50 ms', 'p99 ms', 'max ms', 'long tasks > 50 ms'],
    rows: [
      ['bare page (baseline)', b.count, b.p50, b.p99, b.max, bare.longTasks.length],
      ['desk', d.count, d.p50, d.p99, d.max, desk.longTasks.length],
    ],
  });
  console.log(
    `first-load JavaScript, gzipped: desk bundle ${fixed(bundleKb)} KB + socket.io client ${fixed(socketIoKb)} KB = ${fixed(firstLoadKb)} KB (map data, not counted: ${fixed(mapKb)} KB)`,
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
      text: `no long task over 50 ms during load (longest ${fixed(Math.max(0, ...desk.longTasks))} ms)`,
    }),
  );
  console.log(
    `feed of ${FEED_ITEMS}: at most ${scrolled.rendered} rows in the DOM at once; long tasks while scrolling: ${scrolled.tasks.length} (longest ${fixed(Math.max(0, ...scrolled.tasks))} ms)`,
  );
  console.log(
    verdict({
      met: scrolled.tasks.length === 0,
      text: `no long task over 50 ms while scrolling a feed of ${FEED_ITEMS} items`,
    }),
  );
}
