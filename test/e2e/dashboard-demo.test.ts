// The dashboard on `activityd demo`, as a newcomer sees it: the screenshot of the README, the page
// at 360 px, and a server stopped and started again under an open page (reconnecting, then live,
// and nothing left running that ended meanwhile).
import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { clientOf, freePort, startServe, tempDir, TOKEN, waitFor, type ServeProcess } from '../../packages/client/test/support/servers.js';
import { connection, haveChromium, launchChromium, openPage, requireChromium, shown, shownIds } from './dashboard-page.js';

requireChromium('dashboard-demo');

/** `UPDATE_SCREENSHOT=1` writes the README's picture; otherwise it goes to the temp dir, so a test run leaves the tree clean. */
const SCREENSHOT = process.env.UPDATE_SCREENSHOT === '1'
  ? fileURLToPath(new URL('../../docs/dashboard.png', import.meta.url))
  : join(tmpdir(), `activityd-dashboard-${process.pid}.png`);

let browser: Browser | undefined;

const demo = (args: string[]): Promise<ServeProcess> =>
  startServe([...args, '--log-level', 'warn'], { ACTIVITYD_ADMIN_TOKEN: TOKEN });

/** The rows shown running, once at least `count` of them are, with bars that have moved. */
async function runningRows(page: Page, count: number): Promise<string[]> {
  return waitFor(`${count} running rows`, async () => {
    const running = [];
    for (const id of await shownIds(page)) if ((await shown(page, id))?.state === 'running') running.push(id);
    return running.length >= count && running;
  }, 10_000);
}

describe.skipIf(!haveChromium)('the dashboard on the demo', () => {
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows the demo moving, at full width and at 360 px (the README screenshot)', { timeout: 60_000 }, async () => {
    const server = await demo(['demo', '--store', 'memory', '--port', '0']);
    try {
      const page = await openPage(browser!, `${server.url}/?token=${TOKEN}`);
      const [first] = await runningRows(page, 5);
      // Opening the page lists activities, which counts as being seen.
      await expect.poll(() => page.locator('.presence li .who').allTextContents(), { timeout: 10_000 }).toContain('admin');
      await waitFor('some document changes in the feed', async () => (await page.getByRole('list', { name: 'modelChanges' }).locator('li:not(.empty)').count()) > 0, 15_000);
      if (process.env.UPDATE_SCREENSHOT === '1') {
        // The README's picture shows both halves of the list: wait for the first ended activity.
        await waitFor('an ended row', async () => (await page.locator('li.row:not([data-state="running"])').count()) > 0, 30_000);
      }
      await page.locator(`li.row[data-id="${first}"]`).getByRole('button').first().click();
      await page.waitForTimeout(1_500);
      await page.screenshot({ path: SCREENSHOT });
      expect(statSync(SCREENSHOT).size).toBeGreaterThan(20_000);

      const narrow = await openPage(browser!, `${server.url}/?token=${TOKEN}`, { width: 360 });
      await runningRows(narrow, 3);
      expect(await narrow.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
      await narrow.getByLabel('State').selectOption('ended');
      expect(new URL(narrow.url()).searchParams.get('state')).toBe('ended');
    } finally {
      await server.kill();
    }
  });

  it('when the server stops, shows reconnecting; when it is back, live, with the work that ended meanwhile shown ended', { timeout: 60_000 }, async () => {
    const dataDir = tempDir('activityd-dashboard-');
    const port = String(await freePort());
    const first = await demo(['demo', '--data-dir', dataDir, '--port', port]);
    let second: ServeProcess | undefined;
    try {
      // A reconnect that reaches the server while it is closing is answered 503 (the browser logs it).
      const page = await openPage(browser!, `${first.url}/?token=${TOKEN}`, { allow: /status of 503/ });
      await waitFor('the live indicator', async () => (await connection(page)) === 'live');
      const running = await runningRows(page, 3);

      // The demo's in-process work dies with its server: on restart it is failed as interrupted.
      await first.stop();
      await waitFor('the reconnecting indicator', async () => (await connection(page)) === 'reconnecting', 5_000);
      second = await demo(['serve', '--data-dir', dataDir, '--port', port]);
      await waitFor('the live indicator again', async () => (await connection(page)) === 'live', 20_000);

      const api = clientOf(second.url);
      for (const id of running) expect((await api.get(id)).state).not.toBe('running');
      await waitFor('no stuck bar', async () => {
        for (const id of running) if ((await shown(page, id))?.state === 'running') return false;
        return true;
      }, 5_000);
      for (const id of running) expect((await shown(page, id))?.state).toBe((await api.get(id)).state);
    } finally {
      await first.kill();
      await second?.kill();
    }
  });
});
