/**
 * The web app in Debian's Chromium against a running platform: log-in with pasted tokens, the
 * back-office and fan shells, a phone's width, clear messages for bad tokens, and axe on every
 * page visited.
 */
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import type { Platform } from '../harness';
import { logIn, screenshot, seriousViolations, startWebPlatform, type Browser, type WebPlatform, type WebServer } from './browser';

jest.setTimeout(180_000);

let platform: Platform;
let web: WebServer;
let browser: Browser;
let world: WebPlatform | undefined;

beforeAll(async () => {
  world = await startWebPlatform({ label: 'web_shell' });
  ({ platform, web, browser } = world);
}, 600_000);

afterAll(() => world?.stop());

async function newPage(width = 1280, height = 800): Promise<Page> {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width, height });
  // Screenshots of a settled page: the app honours reduced motion.
  await page.emulateMedia({ reducedMotion: 'reduce' });
  return page;
}

describe('the web app in a browser', () => {
  it('serves the app at its own URL and forwards the API to the gateway', async () => {
    const index = await fetch(`${web.url}/back-office/codes`);
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('<div id="root">');
    const openapi = await fetch(`${web.url}/v1/openapi.json`);
    expect(openapi.status).toBe(200);
    expect(await openapi.json()).toMatchObject({ openapi: '3.1.0' });
  });

  it('logs an operator in with a pasted token and walks every back-office page without a serious accessibility violation', async () => {
    const page = await newPage();
    const token = await platform.token({ tenant: 'demo', roles: ['operator'], sub: 'olivia' });
    await page.goto(`${web.url}/back-office`);
    await page.waitForURL('**/login');
    await logIn(page, web.url, token);
    await page.waitForURL('**/back-office');
    await page.getByRole('heading', { name: 'Overview', level: 2 }).waitFor();
    await page.getByTestId('who').getByText('olivia').waitFor();
    expect(await page.getByTestId('who').textContent()).toContain('demo');
    await screenshot(page, 'back-office-overview');
    expect(await seriousViolations(page)).toEqual([]);

    const nav = page.getByRole('navigation', { name: 'Back office navigation' });
    const labels = await nav.getByRole('link').allTextContents();
    expect(labels).toEqual(expect.arrayContaining(['Loyalty programs', 'Reward programs', 'Advantages & promo codes', 'Single-use codes', 'Contacts', 'Renewal runs']));
    for (const label of labels.slice(1)) {
      await nav.getByRole('link', { name: label }).click();
      await page.getByRole('heading', { name: label, level: 2 }).waitFor();
      expect(await nav.getByRole('link', { name: label }).getAttribute('aria-current')).toBe('page');
      expect({ page: label, violations: await seriousViolations(page) }).toEqual({ page: label, violations: [] });
    }
    await screenshot(page, 'back-office-last-page');
    await page.close();
  });

  it('logs a fan in at a phone width, opens the navigation from the burger and reaches each fan page', async () => {
    const page = await newPage(390, 844);
    const token = await platform.token({ tenant: 'demo', roles: ['fan'], contactId: 'c-1' });
    await logIn(page, web.url, token);
    await page.waitForURL('**/me');
    await page.getByRole('heading', { name: 'My rewards', level: 2 }).waitFor();
    await screenshot(page, 'fan-home-phone');
    expect(await seriousViolations(page)).toEqual([]);

    const burger = page.getByRole('button', { name: 'Open navigation' });
    await burger.focus();
    await page.keyboard.press('Enter');
    const nav = page.getByRole('navigation', { name: 'My account navigation' });
    await nav.getByRole('link', { name: 'Checkout' }).waitFor();
    await screenshot(page, 'fan-navigation-phone');
    await nav.getByRole('link', { name: 'Checkout' }).click();
    await page.getByRole('heading', { name: 'Checkout', level: 2 }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    // The fan area is closed to the back office.
    await page.goto(`${web.url}/back-office`);
    await page.getByRole('heading', { name: 'Not for this role' }).waitFor();
    await page.close();
  });

  it('shows a partner linked through the API, an empty dead-letter list, and a clear reason when a contact is unknown to the partner', async () => {
    const admin = platform.client(await platform.token({ tenant: 'demo', roles: ['admin'] }));
    const secret = () => `whsec_${randomBytes(32).toString('base64')}`;
    const created = await admin('POST', '/v1/partners', {
      name: 'Rewards4Rugby',
      apiBaseUrl: platform.simulatorUrl || 'http://127.0.0.1:9',
      apiKey: 'sim-key-123456',
      wording: { en: 'Rugby points' },
      conversion: { points: 100, amountMinor: 100, currency: 'GBP' },
      inboundSecrets: [secret()],
      outboundSecrets: [secret()],
    });
    expect(created.status).toBe(201);

    const page = await newPage();
    await logIn(page, web.url, await platform.token({ tenant: 'demo', roles: ['operator'] }));
    await page.getByRole('link', { name: 'Partners & dead letters' }).click();
    await page.getByText('Rewards4Rugby').waitFor();
    await page.getByText('Points called “Rugby points”').waitFor();
    await page.getByText('No dead letter: every message reached its partner.').waitFor();
    await screenshot(page, 'partners');
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('link', { name: 'Contacts' }).click();
    await page.getByLabel('Contact id').fill('c-nobody');
    await page.getByRole('button', { name: 'Show the contact' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.getAttribute('data-problem-code')).toBe('PARTNER_MEMBER_UNKNOWN');
    expect(await alert.textContent()).toContain('not a member of the loyalty partner yet');
    await screenshot(page, 'contact-partner-points-unknown');
    expect(await seriousViolations(page)).toEqual([]);
    await page.close();
  });

  it('says clearly why a token is refused, on the log-in screen, never a blank page', async () => {
    const page = await newPage();
    await logIn(page, web.url, 'not-a-token');
    await page.getByText('This is not a token').waitFor();
    const expired = await platform.token({ tenant: 'demo', roles: ['operator'] });
    const [head = '', , sig = ''] = expired.split('.');
    const past = Buffer.from(JSON.stringify({ sub: 'x', tenant: 'demo', roles: ['operator'], exp: 1 })).toString('base64url');
    await logIn(page, web.url, `${head}.${past}.${sig}`);
    await page.getByText('This token has expired').waitFor();
    await screenshot(page, 'login-refused');
    expect(await seriousViolations(page)).toEqual([]);
    await page.close();
  });

  it('is usable with the keyboard alone: skip link, then the navigation by Tab and Enter', async () => {
    const page = await newPage();
    const token = await platform.token({ tenant: 'demo', roles: ['operator'] });
    await logIn(page, web.url, token);
    await page.waitForURL('**/back-office');
    await page.getByRole('heading', { name: 'Overview', level: 2 }).waitFor();
    await page.keyboard.press('Tab');
    const focused = () => page.locator(':focus').textContent();
    expect(await focused()).toBe('Skip to content');
    let reached = false;
    for (let i = 0; i < 10 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = (await focused()) === 'Loyalty programs';
    }
    expect(reached).toBe(true);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Loyalty programs', level: 2 }).waitFor();
    await page.close();
  });
});
