/**
 * The web app in Debian's Chromium against a running platform: log-in with pasted tokens, the
 * back-office and fan shells, every page with its tables filled at a desktop's and a phone's
 * width (axe, nothing scrolling sideways as a whole, wide tables reached with the keyboard), a
 * service down shown as a message, clear messages for bad tokens, and axe on every page visited.
 */
import { ContactRegistered, jsonCodec } from '@tlp/contracts';
import { connectNats, eventually } from '@tlp/testkit';
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import type { Platform } from '../harness';
import { logIn, screenshot, seriousViolations, startWebPlatform, type Browser, type WebPlatform, type WebServer } from './browser';

jest.setTimeout(300_000);

let platform: Platform;
let web: WebServer;
let browser: Browser;
let world: WebPlatform | undefined;

beforeAll(async () => {
  // A partner that cannot be reached dead-letters its first message: the dead-letter table has a row.
  world = await startWebPlatform({ label: 'web_shell', env: { 'partner-sync': { DELIVERY_MAX_ATTEMPTS: '1' } } });
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

const secret = () => `whsec_${randomBytes(32).toString('base64')}`;

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
    // Well formed but not signed by the platform: let in, then the gateway's refusal ends the session.
    await logIn(page, web.url, `${head}.${expired.split('.')[1]}.${Buffer.from('forged').toString('base64url')}`);
    await page.waitForURL('**/back-office');
    await page.goto(`${web.url}/back-office/advantages`);
    await page.getByText('Session ended').waitFor();
    expect(await page.getByRole('status').filter({ hasText: 'Session ended' }).textContent()).toContain('The gateway refused the previous token');
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

/**
 * Another organisation whose every list has rows, set up through the gateway's HTTP API (the
 * contact registered upstream comes, as from the ticketing platform, on the bus).
 */
const arena = 'arena';
const fan = 'fan-ana';
const season = '2026-2027';

describe('every page with its data, at a desktop’s and a phone’s width', () => {
  let advantageId = '';
  let code = '';

  beforeAll(async () => {
    const admin = platform.client(await platform.token({ tenant: arena, roles: ['admin'] }));
    const made = async <T>(path: string, body: unknown): Promise<T> => {
      const r = await admin<T>('POST', path, body);
      if (r.status !== 200 && r.status !== 201) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    const { programId } = await made<{ programId: string }>('/v1/loyalty-programs', {
      name: 'Arena stars',
      unit: 'points',
      wording: { en: 'stars' },
      currency: 'EUR',
      earnRules: [{ kind: 'per-amount', points: 1, perAmountMinor: 100 }],
      tiers: [{ name: 'Gold', criterion: 'total-spending', threshold: 50_000 }],
    });
    await made(`/v1/loyalty-programs/${programId}/activation`, { active: true });
    const { accountId } = await made<{ accountId: string }>('/v1/loyalty-accounts', { contactId: fan });
    await made(`/v1/loyalty-accounts/${accountId}/adjustments`, { adjustmentId: 'welcome', points: 1200, reason: 'welcome' });

    const { rewardId } = await made<{ rewardId: string }>('/v1/rewards', {
      name: 'Arena regulars 5%',
      conditions: [{ criterion: 'total-spending', operator: '>=', value: 0 }],
      reward: { type: 'percentage', basisPoints: 500 },
      validity: { kind: 'continuous' },
    });
    await made(`/v1/rewards/${rewardId}/activation`, { active: true });
    // A contact is listed under a reward once she has bought something: an order of hers, confirmed.
    const asFan = platform.client(await platform.token({ tenant: arena, roles: ['fan'], contactId: fan }));
    const order = { orderId: 'arena-order-1', channel: 'web', currency: 'EUR', lines: [{ lineId: 'l1', productId: 'derby-1', productFamily: 'event', unitPriceMinor: 4000, quantity: 1 }] };
    expect((await asFan('POST', '/v1/checkout/holds', order)).status).toBe(201);
    expect((await asFan('POST', `/v1/checkout/${order.orderId}/confirmation`)).status).toBe(200);
    await made(`/v1/rewards/${rewardId}/grants`, { contactId: fan, force: true });
    await eventually(async () => ((await admin<{ contacts: unknown[] }>('GET', `/v1/rewards/${rewardId}/eligible-contacts`)).body.contacts.length > 0 ? true : undefined), 30_000, 500);

    ({ advantageId } = await made<{ advantageId: string }>('/v1/advantages', {
      season,
      family: 'event',
      names: { internal: { en: 'Derby friends' }, public: { en: 'Friends of the derby' } },
      target: { type: 'single-use-codes' },
      quota: 50,
      prices: [{ productId: 'derby-1', priceMinor: 3000, currency: 'EUR' }],
    }));
    await made(`/v1/advantages/${advantageId}/transitions`, { to: 'in-operation' });
    const { batchId } = await made<{ batchId: string }>('/v1/code-batches', { advantageId, contactId: 'SECUTX', count: 3 });
    code = await eventually(async () => (await admin<{ codes: { code: string }[] }>('GET', `/v1/codes?batchId=${batchId}`)).body.codes[0]?.code);
    const { promoCodeId } = await made<{ promoCodeId: string }>('/v1/promo-codes', {
      accessCode: 'ARENA10',
      names: { internal: { en: 'Arena 10%' }, public: { en: 'Arena 10%' } },
      discount: { kind: 'percent', basisPoints: 1000 },
    });
    await made(`/v1/promo-codes/${promoCodeId}/transitions`, { to: 'in-operation' });
    await made('/v1/vouchers', { saleId: 'arena-gift', currency: 'EUR', valueMinor: 5000, contactId: fan, validUntil: new Date(Date.now() + 300 * 86_400_000).toISOString() });

    await made('/v1/partners', {
      name: 'Stadium club',
      apiBaseUrl: 'http://127.0.0.1:9',
      apiKey: 'stadium-key-123456',
      wording: { en: 'club miles' },
      conversion: { points: 100, amountMinor: 100, currency: 'EUR' },
      inboundSecrets: [secret()],
      outboundSecrets: [secret()],
    });
    const nc = await connectNats(platform.urls);
    const envelope = { id: crypto.randomUUID(), tenantId: arena, occurredAt: new Date().toISOString(), type: ContactRegistered.type, data: { contactId: fan, seasonTicketHolder: true } };
    await nc.jetstream().publish(platform.iso.subjectPrefix + ContactRegistered.type, jsonCodec.encode(envelope), { msgID: envelope.id });
    await nc.close();
    await eventually(async () => ((await admin<{ deliveries: unknown[] }>('GET', '/v1/partner-deliveries?state=dead')).body.deliveries.length > 0 ? true : undefined), 30_000, 500);
  }, 120_000);

  /** Opens one state of a page, data shown. */
  interface Visit {
    name: string;
    open(page: Page): Promise<void>;
  }
  const at = (page: Page, path: string) => page.goto(`${web.url}${path}`);

  const backOffice: Visit[] = [
    { name: 'Overview', open: (p) => at(p, '/back-office').then(() => p.getByRole('table', { name: 'Operations offered by the gateway' }).waitFor()) },
    { name: 'Loyalty programs', open: (p) => at(p, '/back-office/loyalty-programs').then(() => p.getByTestId('loyalty-programs').getByText('Arena stars').waitFor()) },
    {
      name: 'Editing an active loyalty program',
      open: async (p) => {
        await at(p, '/back-office/loyalty-programs');
        await p.getByRole('button', { name: 'Edit Arena stars' }).click();
        await p.getByText('This program is active').waitFor();
      },
    },
    { name: 'Reward programs', open: (p) => at(p, '/back-office/reward-programs').then(() => p.getByRole('img', { name: 'Rewards used per day' }).waitFor()) },
    {
      name: 'A reward program’s customers',
      open: async (p) => {
        await at(p, '/back-office/reward-programs');
        await p.getByRole('tab', { name: 'Customers' }).click();
        await p.getByTestId('eligible-contacts').getByRole('cell', { name: fan, exact: true }).waitFor();
      },
    },
    { name: 'New reward program', open: (p) => at(p, '/back-office/reward-programs/new').then(() => p.getByRole('form', { name: 'Reward program' }).waitFor()) },
    { name: 'Advantages', open: (p) => at(p, '/back-office/advantages').then(() => p.getByRole('cell', { name: 'Derby friends', exact: true }).waitFor()) },
    { name: 'Promo codes', open: (p) => at(p, '/back-office/advantages?tab=promo-codes').then(() => p.getByTestId('promo-codes').getByText('ARENA10').first().waitFor()) },
    { name: 'New advantage', open: (p) => at(p, '/back-office/advantages/new').then(() => p.getByRole('heading', { name: 'New advantage' }).waitFor()) },
    { name: 'New promo code', open: (p) => at(p, '/back-office/advantages/promo-codes/new').then(() => p.getByRole('textbox', { name: 'Code', exact: true }).waitFor()) },
    { name: 'Code generation', open: (p) => at(p, `/back-office/codes?advantage=${advantageId}`).then(() => p.getByRole('form', { name: 'Generate codes' }).waitFor()) },
    {
      name: 'Code dashboard',
      open: async (p) => {
        await at(p, '/back-office/codes');
        await p.getByRole('tab', { name: 'Dashboard' }).click();
        await p.getByLabel('Season').fill(season);
        await p.getByTestId('code-dashboard').getByRole('row', { name: /SECUTX/ }).waitFor();
      },
    },
    {
      name: 'Code tracking',
      open: async (p) => {
        await at(p, '/back-office/codes');
        await p.getByRole('tab', { name: 'Code tracking' }).click();
        await p.getByRole('textbox', { name: 'Code', exact: true }).fill(code);
        await p.getByRole('button', { name: 'Find' }).click();
        await p.getByRole('table', { name: 'Code tracking' }).getByText('Available').waitFor();
      },
    },
    { name: 'Vouchers', open: (p) => at(p, '/back-office/vouchers').then(() => p.getByRole('tab', { name: 'Sell a voucher' }).waitFor()) },
    {
      name: 'A customer’s vouchers',
      open: async (p) => {
        await at(p, '/back-office/vouchers');
        await p.getByRole('tab', { name: 'A customer’s vouchers & credit note' }).click();
        await p.getByLabel('Customer (contact id)').fill(fan);
        await p.getByRole('button', { name: 'Show', exact: true }).click();
        await p.getByTestId('customer-vouchers').getByText('€50.00').first().waitFor();
      },
    },
    { name: 'Contacts', open: (p) => at(p, '/back-office/contacts').then(() => p.getByRole('heading', { name: 'Contacts', level: 2 }).waitFor()) },
    { name: 'Renewal runs', open: (p) => at(p, '/back-office/renewals').then(() => p.getByRole('form', { name: 'Start a renewal run' }).waitFor()) },
    {
      name: 'Partners & dead letters',
      open: async (p) => {
        await at(p, '/back-office/partners');
        await p.getByText('Stadium club').waitFor();
        await p.getByRole('table', { name: 'Messages a partner did not take after every retry' }).getByRole('cell', { name: 'member.share', exact: true }).waitFor();
      },
    },
  ];

  const fanPages: Visit[] = [
    { name: 'My rewards', open: (p) => at(p, '/me').then(() => p.getByTestId('balance').getByText(/[\d,]+ stars/).waitFor()) },
    { name: 'My vouchers', open: (p) => at(p, '/me/vouchers').then(() => p.getByTestId('voucher').getByText('€50.00').waitFor()) },
    { name: 'Checkout', open: (p) => at(p, '/me/checkout').then(() => p.getByTestId('amount-due').filter({ hasText: /€\d/ }).waitFor()) },
  ];

  /** What sticks out past the window's right edge when the page as a whole scrolls sideways (the innermost elements, to name the culprit). */
  const overflowing = (page: Page, width: number) =>
    page.evaluate<string[]>(`document.documentElement.scrollWidth <= ${width} ? [] : [...document.querySelectorAll('body *')]
      .filter((el) => {
        const out = (e) => e.getBoundingClientRect().right > ${width} + 1;
        let inScroller = false;
        for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) inScroller ||= getComputedStyle(a).overflowX !== 'visible';
        return out(el) && !inScroller && ![...el.children].some(out);
      })
      .slice(0, 5).map((el) => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : '') + ' “' + (el.textContent || '').trim().slice(0, 40) + '”')`);

  /** Each page passes axe, and nothing scrolls sideways but a table's own region; every page's faults are listed at once. */
  async function walk(page: Page, visits: Visit[], width: number, shot: string): Promise<void> {
    const faults = [];
    for (const visit of visits) {
      await visit.open(page);
      const found = { page: visit.name, violations: await seriousViolations(page), sideways: await overflowing(page, width) };
      if (found.violations.length > 0 || found.sideways.length > 0) faults.push(found);
    }
    await screenshot(page, shot);
    expect(faults).toEqual([]);
  }

  it.each([
    ['desktop', 1280, 800],
    ['phone', 390, 844],
  ])('an operator finds every back-office page readable at a %s width, its tables filled', async (label, width, height) => {
    const page = await newPage(width, height);
    await logIn(page, web.url, await platform.token({ tenant: arena, roles: ['operator'], sub: 'omar' }));
    await page.waitForURL('**/back-office');
    await walk(page, backOffice, width, `back-office-filled-${label}`);
    await page.close();
  });

  it.each([
    ['desktop', 1280, 800],
    ['phone', 390, 844],
  ])('a fan finds every page of hers readable at a %s width', async (label, width, height) => {
    const page = await newPage(width, height);
    await logIn(page, web.url, await platform.token({ tenant: arena, roles: ['fan'], contactId: fan, sub: 'ana' }));
    await page.waitForURL('**/me');
    await walk(page, fanPages, width, `fan-filled-${label}`);
    await page.close();
  });

  it('scrolls a wide table sideways with the keyboard at a phone’s width', async () => {
    const page = await newPage(390, 844);
    await logIn(page, web.url, await platform.token({ tenant: arena, roles: ['operator'] }));
    await page.waitForURL('**/back-office');
    await backOffice.find((v) => v.name === 'Partners & dead letters')!.open(page);
    const region = `document.querySelector('[role=region][aria-label="Dead letters"]')`;
    const scrolled = () => page.evaluate<number>(`${region}.scrollLeft`);
    expect(await scrolled()).toBe(0);
    const focused = () => page.evaluate<boolean>(`${region} === document.activeElement`);
    for (let i = 0; i < 40 && !(await focused()); i++) await page.keyboard.press('Tab');
    expect(await focused()).toBe(true);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await eventually(async () => ((await scrolled()) > 0 ? true : undefined), 5_000);
    await screenshot(page, 'dead-letters-phone-scrolled');
    await page.close();
  });

  it('says a service is unavailable, never a blank area, when the API answers 503, and shows the data by itself once it is back', async () => {
    const operator = platform.client(await platform.token({ tenant: arena, roles: ['operator'] }));
    const page = await newPage(390, 844);
    await logIn(page, web.url, await platform.token({ tenant: arena, roles: ['operator'] }));
    await page.waitForURL('**/back-office');
    await platform.kill('promotion');
    try {
      expect((await operator('GET', '/v1/advantages')).status).toBe(503);
      await at(page, '/back-office/advantages');
      const alert = page.getByRole('alert').filter({ hasText: 'Could not load the advantages' });
      await alert.waitFor();
      expect(await alert.getAttribute('data-problem-code')).toBe('UNAVAILABLE');
      expect(await alert.textContent()).toContain('A service is unavailable right now. Try again in a moment.');
      expect(await alert.getByTestId('problem-note').textContent()).toBe('Trying again by itself in a moment.');
      await screenshot(page, 'advantages-service-down-phone');
      expect(await seriousViolations(page)).toEqual([]);
    } finally {
      await platform.restart('promotion');
    }
    // Nobody presses "Try again": the page asks again after the gateway's Retry-After, then
    // less often, and the breaker lets calls through a few seconds after the service is back.
    const table = page.getByRole('table', { name: 'Advantages of the tenant' });
    await table.waitFor({ timeout: 75_000 });
    await table.getByRole('cell', { name: 'Derby friends', exact: true }).waitFor();
    await page.close();
  }, 150_000);
});
