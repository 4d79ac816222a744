// Shared by the dashboard suites: Debian's Chromium driven by playwright-core, a page of the
// dashboard that a real `activityd` serves, and reading the page as a person would (roles, text).
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { onCleanup } from '../../packages/client/test/support/servers.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);

/** Under CI a missing browser fails; elsewhere the suite says loudly that it skipped. */
export function requireChromium(suite: string): void {
  if (haveChromium) return;
  if (process.env.CI === 'true') throw new Error(`No Chromium at ${CHROMIUM}: the ${suite} suite needs Debian's chromium (apt-get install chromium) or CHROMIUM_PATH; it cannot be skipped under CI=true.`);
  console.warn(`\n[${suite}] SKIPPED: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH). Under CI=true this fails.\n`);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

/**
 * A fresh page (its own session storage) at `url`; errors in the page and CSP violations fail the
 * test, except the refusals a test expects (`allow`).
 */
export async function openPage(browser: Browser, url: string, options: { width?: number; allow?: RegExp } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: options.width ?? 1280, height: 800 } });
  const page = await context.newPage();
  const problems: string[] = [];
  const expected = (text: string) => options.allow?.test(text) || /ERR_CONNECTION_REFUSED|net::ERR_|Failed to fetch|network error/i.test(text);
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => void (message.type() === 'error' && !expected(message.text()) && problems.push(message.text())));
  onCleanup(async () => {
    await context.close();
    expect(problems, 'errors in the page').toEqual([]);
  });
  await page.goto(url);
  return page;
}

/** Signs in through the form, as a person pasting a token. */
export async function signInWithForm(page: Page, token: string): Promise<void> {
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The row of one activity (a list item carrying its id). */
export const row = (page: Page, id: string) => page.locator(`li.row[data-id="${id}"]`);

/** A row's state and progress as the page shows them (`null` when the row is not there). */
export async function shown(page: Page, id: string): Promise<{ state: string; progress: string | null } | null> {
  const item = row(page, id);
  if ((await item.count()) === 0) return null;
  return {
    state: (await item.getAttribute('data-state')) ?? '',
    progress: await item.getByRole('progressbar').getAttribute('aria-valuenow'),
  };
}

/** The ids of every row a person can see in the page, in order (not the rows parked while the view turns over). */
export function shownIds(page: Page): Promise<string[]> {
  return page.locator('li.row:not(.row-parked)').evaluateAll((items) => items.map((item) => item.getAttribute('data-id') ?? ''));
}

/** The connection indicator's state. */
export function connection(page: Page): Promise<string | null> {
  return page.locator('[data-connection]').getAttribute('data-connection');
}
