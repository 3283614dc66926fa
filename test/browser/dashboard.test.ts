import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CHROME_UA } from '../contract/http.ts';
import { startTarget, type Target, type TargetOptions } from '../contract/harness.ts';
import { launchChromium, RESULTS, startLandingPage } from './browser.ts';

const PASSWORD = 'a password for the browser';

const TARGETS: [string, TargetOptions][] = [
  ['monolith', { db: 'sqlite', mode: 'monolith' }],
  ['morphlink up', { db: 'postgres', mode: 'microservices', upArgs: ['--autopilot'] }],
];

/** Reloads until `check` holds: clicks reach the stats a moment after the redirect (buffered, then written). */
async function reloadUntil(page: Page, check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return true;
    await page.waitForTimeout(300);
    await page.reload();
  }
  return check().catch(() => false);
}

for (const [label, options] of TARGETS) {
  // One user's whole visit, in order: each step starts where the one before left the page.
  describe(`the dashboard in Chromium, against ${label} (${options.db})`, { concurrency: false }, () => {
    let target: Target;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let landing: Awaited<ReturnType<typeof startLandingPage>>;
    const name = `ada${randomBytes(3).toString('hex')}`;
    const code = `e2e${randomBytes(3).toString('hex')}`;
    const shot = (what: string) => join(RESULTS, `${label.replaceAll(' ', '-')}-${what}.png`);

    before(async () => {
      [target, browser, landing] = await Promise.all([startTarget(options), launchChromium(), startLandingPage()]);
      await target.createUser(name, { password: PASSWORD, admin: true });
      // A person's browser: headless Chromium names itself HeadlessChrome, which the analytics rightly count as a bot.
      context = await browser.newContext({ userAgent: CHROME_UA, viewport: { width: 1280, height: 900 } });
      page = await context.newPage();
      page.setDefaultTimeout(15_000);
    }, { timeout: 120_000 });
    after(async () => {
      await browser?.close();
      await landing?.close();
      await target?.dispose();
    });

    it('when / is opened, then the sign-in page; a wrong password shows the server’s message; the right one shows the links', async () => {
      await page.goto(`${target.baseUrl}/`);
      await page.waitForURL(/\/dashboard\/login/);
      await page.getByLabel('Username').fill(name);
      await page.getByLabel('Password').fill('not the password');
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('alert').filter({ hasText: 'Wrong user name or password.' }).waitFor();

      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Links' }).waitFor();
      await page.getByText('No links yet').waitFor();
      const cookies = await context.cookies();
      assert.equal(cookies.find((c) => c.name === 'morphlink_session')?.httpOnly, true);
    });

    it('when a link is created with a URL the server refuses, then the field shows why; with a good one, the link is listed', async () => {
      const url = page.getByLabel('Destination URL');
      await url.fill('ftp://files.example.com/x');
      await page.getByRole('button', { name: 'Create', exact: true }).click();
      await page.getByText('only http and https URLs are allowed').waitFor();
      assert.equal(await url.getAttribute('aria-invalid'), 'true');

      await url.fill(landing.url);
      await page.getByLabel('Custom code').fill(code);
      await page.getByLabel('Title').fill('Browser test link');
      await page.getByRole('button', { name: 'Create', exact: true }).click();
      await page.getByRole('status').filter({ hasText: `Created ${target.baseUrl}/${code}` }).waitFor();
      await page.getByRole('table', { name: 'Links' }).getByRole('link', { name: code, exact: true }).waitFor();
      assert.notEqual(await url.getAttribute('aria-invalid'), 'true', 'the error is gone once the URL is good');
      await page.screenshot({ path: shot('links'), fullPage: true });
    });

    it('when the links page loads on a 375 px phone, then nothing scrolls sideways, the layout barely moves, and Tab reaches the form and the row', async () => {
      await page.setViewportSize({ width: 375, height: 800 });
      try {
        await page.goto(`${target.baseUrl}/dashboard/links`);
        await page.getByRole('link', { name: code, exact: true }).waitFor();
        // Strings, not functions: the browser's globals are not in this (node) project's types.
        const shift = Number(await page.evaluate(`new Promise((resolve) => {
          let total = 0;
          new PerformanceObserver((list) => { for (const entry of list.getEntries()) total += entry.value; })
            .observe({ type: 'layout-shift', buffered: true });
          setTimeout(() => resolve(total), 500);
        })`));
        assert.ok(shift < 0.1, `cumulative layout shift ${shift}`);
        const sideways = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
        assert.ok(sideways <= 0, `the page is ${sideways} px wider than the phone`);
        await page.screenshot({ path: shot('links-375px'), fullPage: true });

        const reached = new Set<string>();
        await page.locator('body').focus();
        for (let i = 0; i < 40; i += 1) {
          await page.keyboard.press('Tab');
          reached.add(String(await page.evaluate(`(() => { const e = document.activeElement; return e?.getAttribute('aria-label') || e?.labels?.[0]?.textContent || e?.textContent || ''; })()`)).trim());
        }
        for (const name of ['Destination URL', 'Create', `Delete ${code}`]) {
          assert.ok([...reached].some((r) => r.startsWith(name)), `Tab never reached ${name}: ${[...reached].join(' | ')}`);
        }
      } finally {
        await page.setViewportSize({ width: 1280, height: 900 });
      }
    });

    it('when the short URL is followed in the browser, then it lands on the target', async () => {
      await page.goto(`${target.baseUrl}/${code}`);
      await page.getByRole('heading', { name: 'You followed a MorphLink short URL' }).waitFor();
      assert.equal(new URL(page.url()).pathname, '/landing');
      assert.equal(landing.visits(), 1);
    });

    it('when the link’s page is opened, then the click is in the totals and in the chart', async () => {
      await page.goto(`${target.baseUrl}/dashboard/links/${code}`);
      await page.getByRole('heading', { level: 1, name: code }).waitFor();
      const chart = page.getByRole('img', { name: /^Clicks over time/ });
      const counted = await reloadUntil(page, async () => /^Clicks over time: 1 in /.test((await chart.getAttribute('aria-label')) ?? ''), 15_000);
      assert.ok(counted, `the chart says: ${await chart.getAttribute('aria-label')}`);
      const totals = page.getByText('Total clicks').locator('..');
      assert.match(await totals.innerText(), /1/);
      await page.getByRole('region', { name: 'Browsers' }).getByText('Chrome').waitFor();
      await page.screenshot({ path: shot('analytics'), fullPage: true });
    });

    it('when the link is edited, then the new title is shown and kept', async () => {
      await page.getByRole('button', { name: 'Edit', exact: true }).click();
      const dialog = page.getByRole('dialog', { name: `Edit ${code}` });
      await dialog.getByLabel('Title').fill('Renamed in the browser');
      await dialog.getByRole('button', { name: 'Save' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await page.getByText('Renamed in the browser').first().waitFor();
      await page.reload();
      await page.getByText('Renamed in the browser').first().waitFor();
    });

    it('when the link is deleted after the confirmation, then it is gone from the list and from the API', async () => {
      await page.getByRole('button', { name: 'Delete', exact: true }).click();
      const dialog = page.getByRole('dialog', { name: `Delete ${code}?` });
      await dialog.getByRole('button', { name: 'Delete' }).click();
      await page.getByRole('heading', { level: 1, name: 'Links' }).waitFor();
      await page.getByText('No links yet').waitFor();
      const response = await page.request.get(`${target.baseUrl}/api/links/${code}`);
      assert.equal(response.status(), 404);
    });

    it('when the admin opens System, then the mode, each service’s health, the redirect rate, and the autopilot when one runs', async () => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'System' }).click();
      await page.getByRole('heading', { level: 2, name: 'Health' }).waitFor();
      await page.getByRole('heading', { level: 2, name: 'Redirects' }).waitFor();
      if (options.mode === 'microservices') {
        for (const service of ['auth', 'links', 'analytics']) await page.getByRole('cell', { name: service, exact: true }).first().waitFor();
        await page.getByRole('heading', { level: 3, name: 'Signals' }).waitFor({ timeout: 30_000 });
      } else {
        await page.getByText('Autopilot not running').waitFor();
      }
      await page.setViewportSize({ width: 375, height: 800 });
      await page.screenshot({ path: shot('system-375px'), fullPage: true });
      await page.setViewportSize({ width: 1280, height: 900 });
    });

    it('when the user signs out, then the sign-in page, and the dashboard asks to sign in again', async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(/\/dashboard\/login/);
      await page.goto(`${target.baseUrl}/dashboard/links`);
      await page.waitForURL(/\/dashboard\/login/);
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      assert.equal((await page.request.get(`${target.baseUrl}/api/auth/session`)).status(), 401);
    });
  });
}
