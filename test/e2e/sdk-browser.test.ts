// The built client in a real browser: Debian's Chromium driven by playwright-core loads
// packages/client/dist (and the protocol modules it imports, through an import map) from a page on
// another origin, and follows an activity of a real activityd server (CORS) to its result.
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { clientOf, embedding, onCleanup, serve, TOKEN, waitFor, within } from '../../packages/client/test/support/servers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI !== 'true') {
  console.warn(`\n[sdk-browser] SKIPPED: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH). Under CI=true this fails.\n`);
}

const DIST = {
  client: fileURLToPath(new URL('../../packages/client/dist/', import.meta.url)),
  protocol: fileURLToPath(new URL('../../packages/protocol/dist/', import.meta.url)),
};

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>activityd client in a browser</title>
<script type="importmap">${JSON.stringify({
  imports: {
    '@activityd/client': '/client/index.js',
    '@activityd/protocol/errors': '/protocol/errors.js',
    '@activityd/protocol/types': '/protocol/types.js',
  },
})}</script>
<script type="module">
  import { ActivitydClient } from '@activityd/client';
  window.seen = [];
  // target: an activity id, or a URL to POST to whose 202 reply is followed.
  window.follow = async (baseUrl, token, target) => {
    const client = new ActivitydClient({ baseUrl, token });
    const handle = client.follow(target.startsWith('http') ? await fetch(target, { method: 'POST' }) : target);
    try {
      for await (const a of handle) window.seen.push({ state: a.state, progress: a.progress });
      return { result: await handle };
    } catch (error) {
      return { error: error.name, state: error.activity?.state };
    }
  };
  window.ready = true;
</script></head><body>activityd</body></html>`;

interface PageApi {
  ready?: boolean;
  seen: Array<{ state: string; progress: number | null }>;
  follow(baseUrl: string, token: string, target: string): Promise<{ result?: unknown; error?: string; state?: string }>;
}

/** The page and the built modules, from an origin of its own. */
async function staticServer(): Promise<{ origin: string; server: Server }> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    const module = /^\/(client|protocol)\/([a-z-]+\.js)$/.exec(url.pathname);
    if (url.pathname === '/favicon.ico') {
      response.writeHead(204).end();
    } else if (url.pathname === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
    } else if (module && existsSync(DIST[module[1] as 'client'] + module[2])) {
      response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(readFileSync(DIST[module[1] as 'client'] + module[2]));
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  onCleanup(() => new Promise((resolve) => server.close(resolve)));
  return { origin: `http://127.0.0.1:${port}`, server };
}

let browser: Browser | undefined;

/** A fresh page of the static origin with the client loaded; its errors fail the test. */
async function openPage(origin: string): Promise<Page> {
  const page = await browser!.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => void (message.type() === 'error' && problems.push(message.text())));
  onCleanup(async () => {
    await page.close();
    expect(problems, 'errors in the page').toEqual([]);
  });
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => (globalThis as unknown as PageApi).ready === true, undefined, { timeout: 5_000 });
  return page;
}

const seenIn = (page: Page) => page.evaluate(() => (globalThis as unknown as PageApi).seen);

if (!haveChromium && process.env.CI === 'true') {
  it('runs in Chromium', () => {
    throw new Error(`No Chromium at ${CHROMIUM}: the browser test needs Debian's chromium (apt-get install chromium) or CHROMIUM_PATH; it cannot be skipped under CI=true.`);
  });
}

describe.skipIf(!haveChromium)('@activityd/client in Chromium', () => {
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('follows an activity driven over HTTP from Node to its result, seeing its progress live', { timeout: 30_000 }, async () => {
    const { origin } = await staticServer();
    const server = await serve(['--cors-origin', origin]);
    const node = clientOf(server.url);
    const page = await openPage(origin);
    const activity = await node.create({ type: 'media.transcode', title: 'Transcoding in a browser' });

    const following = page.evaluate(([url, token, id]) => (globalThis as unknown as PageApi).follow(url!, token!, id!), [server.url, TOKEN, activity.id]);
    await waitFor('the page to see the activity', async () => (await seenIn(page)).length > 0);
    for (const progress of [25, 50, 75]) {
      await node.update(activity.id, { progress });
      // Each step reaches the page over its event stream before the next is made.
      await waitFor(`the page to see ${progress}`, async () => (await seenIn(page)).some((a) => a.progress === progress));
    }
    await node.complete(activity.id, { url: 'https://cdn.example/alien-720p.mkv' });

    expect(await within(10_000, 'the page to get the result', following)).toEqual({ result: { url: 'https://cdn.example/alien-720p.mkv' } });
    const seen = await seenIn(page);
    expect(seen.at(0)).toEqual({ state: 'running', progress: null });
    expect(seen.filter((a) => a.state === 'running').map((a) => a.progress)).toEqual([null, 25, 50, 75]);
    expect(seen.at(-1)).toEqual({ state: 'completed', progress: 100 });
  });

  it('follows the 202 reply of a backend endpoint (X-Activity exposed through CORS) to its result', { timeout: 30_000 }, async () => {
    const { origin } = await staticServer();
    const { url } = await embedding({ corsOrigin: [origin], stepMs: 50 });
    const page = await openPage(origin);
    const outcome = await within(10_000, 'the page to follow the scan', page.evaluate(([base, token]) =>
      (globalThis as unknown as PageApi).follow(base!, token!, `${base}/scan`), [url, TOKEN]));
    expect(outcome).toEqual({ result: { scanned: 4 } });
    expect((await seenIn(page)).at(-1)).toEqual({ state: 'completed', progress: 100 });
  });

  it('a cancelled activity rejects in the page with ActivityCancelledError', { timeout: 30_000 }, async () => {
    const { origin } = await staticServer();
    const server = await serve(['--cors-origin', origin]);
    const node = clientOf(server.url);
    const page = await openPage(origin);
    const activity = await node.create({ type: 'upload', title: 'photo.jpg' });
    const following = page.evaluate(([u, t, id]) => (globalThis as unknown as PageApi).follow(u!, t!, id!), [server.url, TOKEN, activity.id]);
    await waitFor('the page to see the activity', async () => (await seenIn(page)).length > 0);
    await node.cancel(activity.id);
    expect(await within(10_000, 'the page to see the cancel', following)).toEqual({ error: 'ActivityCancelledError', state: 'cancelled' });
  });
});
