// The dashboard in Debian's Chromium against the real `activityd serve`: signing in, activities
// appearing and moving live, cancelling from the page, filters in the address bar, and access.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { ActivitydClient } from '@activityd/client';
import { clientOf, onCleanup, serve, startServe, TOKEN, waitFor, within, type ServeProcess } from '../../packages/client/test/support/servers.js';
import { connection, haveChromium, launchChromium, openPage, requireChromium, row, shown, shownIds, signInWithForm } from './dashboard-page.js';

requireChromium('dashboard');

let browser: Browser | undefined;
/** One server for the tests that need no empty one (starting one takes seconds on a busy CI machine). */
let shared: ServeProcess | undefined;
let server: { url: string };
let api: ActivitydClient;

/** Waits inside the page, at most a second, for the activity's bar to show `value`. */
function barAt(page: Page, id: string, value: string) {
  return page.waitForFunction(([id, value]) =>
    document.querySelector(`li.row[data-id="${id}"] [role="progressbar"]`)?.getAttribute('aria-valuenow') === value, [id, value], { timeout: 1_000 });
}

describe.skipIf(!haveChromium)('the dashboard in Chromium', () => {
  beforeAll(async () => {
    [browser, shared] = await Promise.all([
      launchChromium(),
      startServe(['serve', '--port', '0', '--store', 'memory', '--log-level', 'warn'], { ACTIVITYD_ADMIN_TOKEN: TOKEN }),
    ]);
    server = { url: shared.url };
    api = clientOf(shared.url);
  });
  afterAll(async () => {
    await browser?.close();
    await shared?.kill();
  });

  it('a wrong token is refused plainly; a good one signs in and lasts for the tab', { timeout: 30_000 }, async () => {
    const page = await openPage(browser!, server.url, { allow: /401/ });
    await signInWithForm(page, 'not-the-token');
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('That token was not accepted');
    expect(await page.evaluate(() => sessionStorage.getItem('activityd.token'))).toBeNull();

    await signInWithForm(page, TOKEN);
    await waitFor('the live indicator', async () => (await connection(page)) === 'live');
    expect(await page.evaluate(() => sessionStorage.getItem('activityd.token'))).toBe(TOKEN);
    // A new server has no activity yet: the page says how to see some move, not just "nothing matches".
    expect(await page.locator('.scroller .empty').textContent()).toContain('activityd demo');
    await page.reload();
    await waitFor('the live indicator after a reload', async () => (await connection(page)) === 'live');
  });

  it('a ?token= link signs in once and leaves the address bar', { timeout: 30_000 }, async () => {
    const page = await openPage(browser!, `${server.url}/?state=active&token=${TOKEN}`);
    await waitFor('the live indicator', async () => (await connection(page)) === 'live');
    expect(new URL(page.url()).searchParams.has('token')).toBe(false);
    expect(new URL(page.url()).searchParams.get('state')).toBe('active');
  });

  it('an activity created over the API appears within a second, and its bar moves with its progress', { timeout: 30_000 }, async () => {
    const page = await openPage(browser!, `${server.url}/?token=${TOKEN}`);
    await waitFor('the live indicator', async () => (await connection(page)) === 'live');

    // Waited for inside the page (no polling round trips): within a second of the API's reply.
    const activity = await api.create({ type: 'media.transcode', title: 'Transcoding Alien (1979)', progress: 5 });
    await row(page, activity.id).waitFor({ state: 'attached', timeout: 1_000 });
    expect(await shown(page, activity.id)).toEqual({ state: 'running', progress: '5' });
    await expect.poll(() => row(page, activity.id).getByRole('button').textContent()).toBe('Transcoding Alien (1979)');

    for (const progress of [30, 70]) {
      await api.update(activity.id, { progress, subtitle: `at ${progress}` });
      await barAt(page, activity.id, String(progress));
    }
    await expect.poll(() => row(page, activity.id).textContent()).toContain('at 70');
    await api.complete(activity.id, { bytes: 1 });
    await barAt(page, activity.id, '100');
    expect((await shown(page, activity.id))?.state).toBe('completed');
  });

  it('cancelling from the page, after confirming, ends the activity and aborts its work', { timeout: 30_000 }, async () => {
    const work = await api.report({ type: 'upload', title: 'Uploading holiday.mov' });
    onCleanup(() => work.close());
    const page = await openPage(browser!, `${server.url}/?token=${TOKEN}`);
    await waitFor('the row', () => shown(page, work.id));

    await row(page, work.id).getByRole('button', { name: 'Uploading holiday.mov' }).click();
    const detail = page.locator('#detail');
    await detail.getByRole('button', { name: 'Cancel activity…' }).click();
    // The safe choice is focused first: Enter now keeps it running.
    await page.keyboard.press('Enter');
    await expect.poll(() => detail.getByRole('button', { name: 'Cancel activity…' }).count()).toBe(1);
    expect(work.signal.aborted).toBe(false);

    await detail.getByRole('button', { name: 'Cancel activity…' }).click();
    await detail.getByRole('button', { name: 'Yes, cancel it' }).click();
    await waitFor('the row to show cancelled', async () => (await shown(page, work.id))?.state === 'cancelled');
    expect((await api.get(work.id)).state).toBe('cancelled');
    await within(5_000, 'the work to be aborted', new Promise((resolve) => work.signal.aborted ? resolve(null) : work.signal.addEventListener('abort', resolve)));
    await expect.poll(() => detail.getByRole('button', { name: /Cancel activity/ }).count()).toBe(0);
  });

  it('works from the keyboard: Tab to a row, Enter opens its details, Escape closes them and returns to the row', { timeout: 30_000 }, async () => {
    const activity = await api.create({ type: 'upload', title: `Keyboard ${Date.now()}` });
    const page = await openPage(browser!, `${server.url}/?type=upload&q=${encodeURIComponent(activity.title)}&token=${TOKEN}`);
    await waitFor('the row', () => shown(page, activity.id));
    const title = row(page, activity.id).getByRole('button', { name: activity.title });
    for (let i = 0; i < 12 && !(await title.evaluate((element) => element === document.activeElement)); i++) await page.keyboard.press('Tab');
    expect(await title.evaluate((element) => element === document.activeElement)).toBe(true);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#detail h2').textContent()).toBe(activity.title);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('detail-title');
    expect(new URL(page.url()).searchParams.get('id')).toBe(activity.id);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('#detail').count()).toBe(0);
    await expect.poll(() => title.evaluate((element) => element === document.activeElement)).toBe(true);
  });

  it('the detail panel shows context, the result as collapsible JSON, the error, and the timeline', { timeout: 30_000 }, async () => {
    const done = await api.create({ type: 'media.transcode', title: `Detail done ${Date.now()}`, context: { mediaContainerId: 4242 } });
    await api.update(done.id, { progress: 50, subtitle: 'halfway' });
    await api.complete(done.id, { url: 'https://cdn.example/alien-720p.mkv' });
    const broken = await api.create({ type: 'upload', title: `Detail failed ${Date.now()}` });
    await api.fail(broken.id, { code: 'disk_full', message: 'no space left on device' });
    const page = await openPage(browser!, `${server.url}/?id=${done.id}&token=${TOKEN}`);
    const detail = page.locator('#detail');
    await expect.poll(() => detail.locator('h2').textContent()).toBe(done.title);
    expect(await detail.locator('dl').textContent()).toContain('mediaContainerId4242');
    const result = detail.locator('details.result');
    expect(await result.locator('summary').textContent()).toBe('Result');
    expect(JSON.parse((await result.locator('pre').textContent())!)).toEqual({ url: 'https://cdn.example/alien-720p.mkv' });
    await result.locator('summary').click();
    expect(await result.evaluate((element) => (element as HTMLDetailsElement).open)).toBe(false);
    // Listed, not watched: the timeline starts with what the listing said.
    expect(await detail.locator('.timeline li').count()).toBeGreaterThan(0);

    await row(page, broken.id).getByRole('button').first().click();
    await expect.poll(() => detail.locator('h2').textContent()).toBe(broken.title);
    expect(await detail.getByRole('alert').textContent()).toBe('disk_full: no space left on device');
    expect(await detail.locator('details.result').count()).toBe(0);
  });

  it('offers no cancel for a non-cancellable activity, nor to a token without the cancel scope', { timeout: 30_000 }, async () => {
    const fixed = await api.create({ type: 'upload', title: 'Not cancellable', cancellable: false });
    const open = await api.create({ type: 'upload', title: 'Cancellable' });
    const reader = await api.admin.create<{ id: number }>('users', { name: 'reader', groups: ['root'] });
    const { token } = await api.admin.create<{ token: string }>('tokens', { userId: reader.id, scopes: ['read'] });
    const admin = await openPage(browser!, `${server.url}/?token=${TOKEN}`);
    await waitFor('both rows', async () => (await shown(admin, fixed.id)) && shown(admin, open.id));
    await row(admin, open.id).getByRole('button').first().click();
    await expect.poll(() => admin.getByRole('button', { name: 'Cancel activity…' }).count()).toBe(1);
    await row(admin, fixed.id).getByRole('button').first().click();
    await expect.poll(() => admin.locator('#detail h2').textContent()).toBe('Not cancellable');
    expect(await admin.getByRole('button', { name: 'Cancel activity…' }).count()).toBe(0);

    const readOnly = await openPage(browser!, `${server.url}/?id=${open.id}&token=${token}`);
    await expect.poll(() => readOnly.locator('#detail h2').textContent()).toBe('Cancellable');
    expect(await readOnly.getByRole('button', { name: 'Cancel activity…' }).count()).toBe(0);
  });

  it('filters narrow the list, live in the address bar, and survive a reload', { timeout: 30_000 }, async () => {
    // An empty server of its own: the list holds exactly what this test made.
    const server = await serve();
    const api = clientOf(server.url);
    const alien = await api.create({ type: 'media.transcode', title: 'Transcoding Alien (1979)' });
    const heat = await api.create({ type: 'media.transcode', title: 'Transcoding Heat (1995)' });
    const scan = await api.create({ type: 'library.update.section', title: 'Scanning Movies' });
    const done = await api.create({ type: 'media.transcode', title: 'Transcoding Dune (2021)' });
    await api.complete(done.id);
    const page = await openPage(browser!, `${server.url}/?token=${TOKEN}`);
    const all = [alien.id, heat.id, scan.id, done.id];
    await waitFor('every row', async () => (await shownIds(page)).length === 4);
    // Running first, newest first; then ended.
    expect(await shownIds(page)).toEqual([scan.id, heat.id, alien.id, done.id]);

    await page.getByLabel('Type').selectOption('media.transcode');
    await waitFor('the type filter', async () => (await shownIds(page)).length === 3);
    expect((await shownIds(page)).sort()).toEqual([alien.id, heat.id, done.id].sort());
    await page.getByLabel('State').selectOption('active');
    await waitFor('the state filter', async () => (await shownIds(page)).length === 2);
    await page.getByLabel('Search').fill('alien');
    await waitFor('the free text', async () => (await shownIds(page)).join() === alien.id);
    expect(Object.fromEntries(new URL(page.url()).searchParams)).toEqual({ type: 'media.transcode', state: 'active', q: 'alien' });

    await page.reload();
    await waitFor('the list after reload', async () => (await shownIds(page)).join() === alien.id);
    expect(await page.getByLabel('Type').inputValue()).toBe('media.transcode');
    expect(await page.getByLabel('State').inputValue()).toBe('active');
    expect(await page.getByLabel('Search').inputValue()).toBe('alien');

    await page.getByLabel('State').selectOption('ended');
    await page.getByLabel('Search').fill('');
    await waitFor('ended transcodes', async () => (await shownIds(page)).join() === done.id);
    await page.getByLabel('Type').selectOption('');
    await page.getByLabel('State').selectOption('all');
    await waitFor('everything again', async () => (await shownIds(page)).length === all.length);
  });

  it('while hundreds of activities start at once, the count, the type and owner options and a type filter stay right', { timeout: 60_000 }, async () => {
    const server = await serve();
    const api = clientOf(server.url);
    const user = await api.admin.create<{ id: number }>('users', { name: 'ursula', groups: ['root'] });
    const { token } = await api.admin.create<{ token: string }>('tokens', { userId: user.id });
    const asUser = clientOf(server.url, token);
    const page = await openPage(browser!, `${server.url}/?token=${TOKEN}`);
    await waitFor('the live indicator', async () => (await connection(page)) === 'live');
    const count = () => page.locator('.filters .count').textContent();
    const options = (label: string) => page.getByLabel(label).locator('option').evaluateAll((all) => all.map((o) => (o as HTMLOptionElement).value));

    await Promise.all(Array.from({ length: 300 }, (_, i) => (i % 3 ? api : asUser).create({ type: i % 2 ? 'upload' : 'media.transcode', title: `Burst ${i}` })));
    await expect.poll(count, { timeout: 5_000 }).toBe('300 activities');
    expect(await options('Type')).toEqual(['', 'media.transcode', 'upload']);
    const owners = await options('Owner');
    expect(owners).toHaveLength(3); // "Everyone", the admin's, the user's
    expect(owners).toContain(String(user.id));
    await page.getByLabel('Type').selectOption('upload');
    await expect.poll(count).toBe('150 of 300');
    await page.getByLabel('Owner').selectOption(String(user.id));
    await expect.poll(count).toBe('50 of 300');
  });

  it('while hundreds of activities start at once, every row a person sees shows its own activity at its place; afterwards all rows do, and the next new one is on top within a second', { timeout: 60_000 }, async () => {
    const server = await serve();
    const api = clientOf(server.url);
    const page = await openPage(browser!, `${server.url}/?token=${TOKEN}`);
    await waitFor('the live indicator', async () => (await connection(page)) === 'live');
    const created = new Map<string, { title: string; createdAt: number }>();
    const create = async (title: string) => {
      const activity = await api.create({ type: 'upload', title });
      created.set(activity.id, { title, createdAt: activity.createdAt });
      return activity;
    };
    // A full page first (rows beyond the view too), so the burst shifts rows that are already there.
    for (let i = 0; i < 20; i++) await create(`Before ${i}`);
    await waitFor('a full page of rows', async () => (await shownIds(page)).length >= 16);

    // Each frame, what the previous one left on screen: the rows a person can see.
    await page.evaluate(() => {
      const frames: Array<Array<{ id: string; position: number; top: number; title: string }>> = [];
      const view = document.querySelector('.scroller')!.getBoundingClientRect();
      const seen = { frames, parked: 0 };
      (window as unknown as { seen: typeof seen }).seen = seen;
      const record = () => {
        seen.parked += document.querySelectorAll('li.row-parked').length;
        frames.push([...document.querySelectorAll<HTMLElement>('li.row')].filter((li) => {
          const box = li.getBoundingClientRect();
          return getComputedStyle(li).visibility === 'visible' && box.bottom > view.top && box.top < view.bottom;
        }).map((li) => ({
          id: li.dataset.id ?? '', position: Number(li.getAttribute('aria-posinset')),
          top: new DOMMatrix(li.style.transform).m42, title: li.querySelector('.row-title')!.textContent ?? '',
        })));
        if (frames.length < 2_000) requestAnimationFrame(record);
      };
      requestAnimationFrame(record);
    });
    await Promise.all(Array.from({ length: 300 }, (_, i) => create(`Burst ${i}`)));
    const latest = await create('The latest');
    await page.waitForFunction((id) => document.querySelector(`li.row[data-id="${id}"]`)?.getAttribute('aria-posinset') === '1', latest.id, { timeout: 1_000 });
    await expect.poll(() => page.locator('.filters .count').textContent(), { timeout: 5_000 }).toBe('321 activities');
    await waitFor('no row parked', async () => (await page.locator('li.row.row-parked').count()) === 0);
    type Seen = { frames: Array<Array<{ id: string; position: number; top: number; title: string }>>; parked: number };
    const { frames, parked } = await page.evaluate(() => (window as unknown as { seen: Seen }).seen);
    expect(parked, 'rows beyond the view parked during the burst (what this test watches)').toBeGreaterThan(0);

    /** Rows in the order of their places: each its own activity's title, at its place's height, newest first. */
    const inOrder = (rows: Array<{ id: string; position: number; top: number; title: string }>) => {
      const sorted = [...rows].sort((a, b) => a.position - b.position);
      for (const [i, row] of sorted.entries()) {
        expect(row.title).toBe(created.get(row.id)?.title);
        expect(row.top).toBe((row.position - 1) * 76);
        if (i > 0) {
          expect(row.position).toBeGreaterThan(sorted[i - 1]!.position);
          expect(created.get(row.id)!.createdAt).toBeLessThanOrEqual(created.get(sorted[i - 1]!.id)!.createdAt);
        }
      }
    };
    expect(frames.length).toBeGreaterThan(5);
    for (const rows of frames) inOrder(rows);
    const all = await page.locator('li.row').evaluateAll((items) => items.map((li) => ({
      id: (li as HTMLElement).dataset.id ?? '', position: Number(li.getAttribute('aria-posinset')),
      top: new DOMMatrix((li as HTMLElement).style.transform).m42, title: li.querySelector('.row-title')!.textContent ?? '',
    })));
    expect(all.length).toBeGreaterThanOrEqual(16); // the rows beyond the view are back
    inOrder(all);
    expect(all.map((row) => row.position).sort((a, b) => a - b)).toEqual(all.map((_, i) => i + 1));
  });

  it('a bar glides to a new value only when its updates come a second or more apart', { timeout: 30_000 }, async () => {
    const activity = await api.create({ type: 'upload', title: `Glide ${Date.now()}`, progress: 1 });
    const page = await openPage(browser!, `${server.url}/?q=${encodeURIComponent(activity.title)}&token=${TOKEN}`);
    await waitFor('the row', () => shown(page, activity.id));
    const gliding = () => row(page, activity.id).locator('.bar').evaluate((bar) => bar.classList.contains('bar-glide'));
    await api.update(activity.id, { progress: 10 });
    await api.update(activity.id, { progress: 11 });
    await barAt(page, activity.id, '11');
    expect(await gliding()).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await api.update(activity.id, { progress: 40 });
    await barAt(page, activity.id, '40');
    expect(await gliding()).toBe(true);
  });

  it('a user who shares no group with an activity never sees it; the page still shows its own group\'s', { timeout: 30_000 }, async () => {
    const [finance, editors] = [`finance-${Date.now()}`, `editors-${Date.now()}`];
    for (const id of [finance, editors]) await api.admin.create('groups', { name: id, id });
    const editor = await api.admin.create<{ id: number }>('users', { name: 'eddie', groups: [editors] });
    const { token } = await api.admin.create<{ token: string }>('tokens', { userId: editor.id });
    const secret = await api.create({ type: 'upload', title: 'Quarterly figures', groups: [finance] });
    const page = await openPage(browser!, `${server.url}/?token=${token}`);
    await waitFor('the live indicator', async () => (await connection(page)) === 'live');

    await api.update(secret.id, { progress: 50 });
    const visible = await api.create({ type: 'upload', title: 'Trailer cut', groups: [editors] });
    await api.update(secret.id, { progress: 60 });
    const later = await api.create({ type: 'upload', title: 'Poster', groups: [editors] });
    // Events arrive in order: once the later one is shown, the secret's updates have passed by.
    await waitFor('the editors\' activities', async () => (await shownIds(page)).length === 2);
    expect((await shownIds(page)).sort()).toEqual([visible.id, later.id].sort());
    expect(await page.content()).not.toContain('Quarterly figures');
    await page.reload();
    await waitFor('the list after reload', async () => (await shownIds(page)).length === 2);
    expect(await page.content()).not.toContain('Quarterly figures');
  });
});
