/**
 * The two flows in Debian's Chromium against the running platform (every service, the
 * gateway and the web server; nothing stubbed). An operator creates an advantage with
 * single-use codes through the step-by-step editor, generates codes with progress and sees them
 * in the dashboard. A fan applies a code and points at checkout, is told clearly what went wrong
 * with a code that does not exist, confirms, and sees the new balance and the tier progress move. Each step saves a screenshot; the pages visited pass axe.
 */
import type { Page } from 'playwright-core';
import type { Platform } from '../harness';
import { logIn, screenshot, seriousViolations, startWebPlatform, type Browser, type WebPlatform, type WebServer } from './browser';

jest.setTimeout(240_000);

const tenant = 'opera';
let platform: Platform;
let web: WebServer;
let browser: Browser;
let world: WebPlatform | undefined;

beforeAll(async () => {
  world = await startWebPlatform({ label: 'web_flows', env: { gateway: { RATE_LIMIT_ATTEMPTS_PER_MIN: '1000' } } });
  ({ platform, web, browser } = world);
}, 600_000);

afterAll(() => world?.stop());

async function newPage(): Promise<Page> {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.emulateMedia({ reducedMotion: 'reduce' });
  return page;
}

describe('an operator and single-use codes', () => {
  it('creates an advantage with single-use codes step by step, generates codes with progress, and sees them in the dashboard', async () => {
    const page = await newPage();
    await logIn(page, web.url, await platform.token({ tenant, roles: ['operator'], sub: 'olivia' }));
    await page.waitForURL('**/back-office');
    await page.goto(`${web.url}/back-office/advantages/new`);

    await page.getByRole('heading', { name: 'New advantage' }).waitFor();
    await page.getByRole('combobox', { name: 'Product family of the advantage' }).click();
    await page.getByRole('option', { name: 'Event', exact: true }).click();
    await page.getByLabel('Season').fill('2026-2027');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Internal name').fill('Subscribers’ friends');
    await page.getByLabel('Public name').fill('Friends of subscribers');
    await page.getByLabel('Single-use codes').check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Product').fill('belle-helene');
    await page.getByLabel('Special price').fill('45.00');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('table', { name: 'Summary of the advantage' }).getByText('belle-helene: €45.00').waitFor();
    await screenshot(page, 'flow-advantage-summary');
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Create the advantage' }).click();

    // Created and put into operation: the editor hands over to the codes page, advantage chosen.
    await page.waitForURL('**/back-office/codes?advantage=*');
    await page.getByLabel('For contact').fill('SECUTX');
    await page.getByLabel('Number of codes').fill('3000');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.getByText('Codes generated').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('batch-count').textContent()).toContain('3,000 / 3,000');
    await screenshot(page, 'flow-codes-generated');

    await page.getByRole('tab', { name: 'Dashboard' }).click();
    await page.getByLabel('Season').fill('2026-2027');
    const row = page.getByTestId('code-dashboard').getByRole('row', { name: /SECUTX/ });
    await row.waitFor();
    expect(await row.textContent()).toContain('Friends of subscribers');
    expect((await row.getByRole('cell').allTextContents()).slice(2, 4)).toEqual(['3,000', '3,000']);
    await screenshot(page, 'flow-codes-dashboard');
    expect(await seriousViolations(page)).toEqual([]);
  });
});

describe('a fan at checkout', () => {
  it('applies a code and points, is told clearly when a code is wrong, confirms, and sees the new balance and tier progress', async () => {
    const admin = platform.client(await platform.token({ tenant, roles: ['admin'] }));
    const program = await admin<{ programId: string }>('POST', '/v1/loyalty-programs', {
      name: 'Opera stars',
      unit: 'points',
      wording: { en: 'stars' },
      currency: 'EUR',
      earnRules: [{ kind: 'per-amount', points: 1, perAmountMinor: 100 }],
      tiers: [{ name: 'Gold', criterion: 'total-spending', threshold: 50_000 }],
    });
    await admin('POST', `/v1/loyalty-programs/${program.body.programId}/activation`, { active: true });
    const account = await admin<{ accountId: string }>('POST', '/v1/loyalty-accounts', { contactId: 'fan-lea' });
    await admin('POST', `/v1/loyalty-accounts/${account.body.accountId}/adjustments`, { adjustmentId: 'welcome', points: 1000, reason: 'welcome' });
    const promo = await admin<{ promoCodeId: string }>('POST', '/v1/promo-codes', {
      accessCode: 'OPERA10',
      names: { internal: { en: 'Opera 10%' }, public: { en: 'Opera 10%' } },
      discount: { kind: 'percent', basisPoints: 1000 },
    });
    await admin('POST', `/v1/promo-codes/${promo.body.promoCodeId}/transitions`, { to: 'in-operation' });

    const page = await newPage();
    await logIn(page, web.url, await platform.token({ tenant, roles: ['fan'], contactId: 'fan-lea', sub: 'lea' }));
    await page.waitForURL('**/me');
    await page.getByTestId('balance').getByText('1,000 stars').waitFor();
    const progressBefore = await page.getByTestId('tier-progress').getByRole('heading').textContent();
    expect(progressBefore).toContain('to Gold');

    const basket = JSON.stringify([{ lineId: 'l1', productId: 'carmen', productFamily: 'event', label: 'Carmen · Stalls', amountMinor: 10_000 }]);
    await page.goto(`${web.url}/me/checkout?basket=${encodeURIComponent(basket)}`);
    await page.getByTestId('amount-due').getByText('€100.00').waitFor();

    await page.getByLabel('Advantage or promo code').fill('NOSUCHCODE');
    await page.getByRole('button', { name: 'Apply code' }).click();
    const refused = page.getByRole('alert').filter({ hasText: 'NOSUCHCODE' });
    await refused.waitFor();
    expect(await refused.textContent()).toMatch(/not applied/);
    await page.getByLabel('Advantage or promo code').fill('OPERA10');
    await page.getByRole('button', { name: 'Apply code' }).click();
    await page.getByTestId('amount-due').getByText('€90.00').waitFor();

    // The points field offers the balance in the program's own words, and no more than it.
    await page.getByText('1,000 stars available').waitFor();
    await page.getByLabel('Points to use').fill('500');
    await page.getByRole('button', { name: 'Use points' }).click();
    await page.getByTestId('amount-due').getByText('€85.00').waitFor();
    await screenshot(page, 'flow-checkout-quote');
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('button', { name: /Confirm and pay/ }).click();
    await page.getByText('Thank you, your order is confirmed').waitFor();
    await screenshot(page, 'flow-checkout-confirmed');
    expect(await seriousViolations(page)).toEqual([]);
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await seriousViolations(page)).toEqual([]);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1280, height: 900 });

    // 1,000 − 500 spent, then the points earned on the order once its event is applied.
    await page.getByRole('link', { name: 'See my rewards and balance' }).click();
    const stars = async () => Number(/([\d,]+) stars/.exec((await page.getByTestId('balance').textContent()) ?? '')?.[1]?.replace(/,/g, '') ?? NaN);
    for (let attempt = 0; ; attempt++) {
      const shown = await stars();
      if (shown > 500 && shown < 1000) break;
      if (attempt > 20) throw new Error(`balance shown: ${shown}`);
      await page.waitForTimeout(500);
      await page.reload();
      await page.getByTestId('balance').waitFor();
    }
    const progressAfter = await page.getByTestId('tier-progress').getByRole('heading').textContent();
    expect(progressAfter).not.toEqual(progressBefore);
    await screenshot(page, 'flow-balance-after');
    expect(await seriousViolations(page)).toEqual([]);

    // A gift voucher sold to her shows in "My vouchers" by its code's end only, with what is left.
    const sold = await admin<{ code: string }>('POST', '/v1/vouchers', { saleId: 'lea-gift', currency: 'EUR', valueMinor: 5000, contactId: 'fan-lea', validUntil: new Date(Date.now() + 86_400_000 * 300).toISOString() });
    await page.getByRole('link', { name: 'My vouchers' }).click();
    const voucher = page.getByTestId('voucher');
    await voucher.getByText('€50.00').waitFor();
    expect(await voucher.textContent()).toContain(`Code ending ${sold.body.code.slice(-4)}`);
    expect(await voucher.textContent()).not.toContain(sold.body.code);
    expect(await seriousViolations(page)).toEqual([]);
  });
});

describe('clear messages when the platform refuses', () => {
  it('says a code has expired, and that points are missing when the balance fell before confirming, keeping the checkout on screen', async () => {
    // Another organisation, so this fan's program and codes are hers alone.
    const admin = platform.client(await platform.token({ tenant: 'ballet', roles: ['admin'] }));
    const program = await admin<{ programId: string }>('POST', '/v1/loyalty-programs', {
      name: 'Ballet club',
      unit: 'points',
      wording: { en: 'pointes' },
      currency: 'EUR',
      earnRules: [{ kind: 'per-amount', points: 1, perAmountMinor: 100 }],
    });
    await admin('POST', `/v1/loyalty-programs/${program.body.programId}/activation`, { active: true });
    const account = await admin<{ accountId: string }>('POST', `/v1/loyalty-accounts`, { contactId: 'fan-noe' });
    await admin('POST', `/v1/loyalty-accounts/${account.body.accountId}/adjustments`, { adjustmentId: 'welcome', points: 300, reason: 'welcome' });
    const day = 86_400_000;
    const winter = await admin<{ promoCodeId: string }>('POST', '/v1/promo-codes', {
      accessCode: 'WINTER5',
      names: { internal: { en: 'Winter 5%' }, public: { en: 'Winter 5%' } },
      discount: { kind: 'percent', basisPoints: 500 },
      validFrom: new Date(Date.now() - 60 * day).toISOString(),
      validUntil: new Date(Date.now() - day).toISOString(),
    });
    expect(winter.status).toBe(201);
    await admin('POST', `/v1/promo-codes/${winter.body.promoCodeId}/transitions`, { to: 'in-operation' });

    const page = await newPage();
    await logIn(page, web.url, await platform.token({ tenant: 'ballet', roles: ['fan'], contactId: 'fan-noe', sub: 'noe' }));
    await page.waitForURL('**/me');
    const basket = JSON.stringify([{ lineId: 'l1', productId: 'giselle', productFamily: 'event', label: 'Giselle · Balcony', amountMinor: 6_000 }]);
    await page.goto(`${web.url}/me/checkout?basket=${encodeURIComponent(basket)}`);
    await page.getByTestId('amount-due').getByText('€60.00').waitFor();

    // The gateway prices the cart without the code and says why: the code is not kept.
    await page.getByLabel('Advantage or promo code').fill('winter-5');
    await page.getByRole('button', { name: 'Apply code' }).click();
    const expired = page.getByRole('alert').filter({ hasText: 'WINTER5' });
    await expired.waitFor();
    expect(await expired.textContent()).toContain('This code has expired');
    expect(await page.getByTestId('amount-due').textContent()).toBe('€60.00');
    await screenshot(page, 'error-code-expired');
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByLabel('Points to use').fill('300');
    await page.getByRole('button', { name: 'Use points' }).click();
    await page.getByTestId('amount-due').getByText('€57.00').waitFor();
    // Spent at the box office while she was choosing: 100 pointes left for her 300.
    await admin('POST', `/v1/loyalty-accounts/${account.body.accountId}/adjustments`, { adjustmentId: 'box-office', points: -200, reason: 'box office' });
    await page.getByRole('button', { name: /Confirm and pay/ }).click();
    const notConfirmed = page.getByRole('alert').filter({ hasText: 'The order was not confirmed' });
    await notConfirmed.waitFor();
    expect(await notConfirmed.textContent()).toContain('Not enough points');
    expect(await page.getByRole('heading', { name: 'Checkout' }).isVisible()).toBe(true);
    expect(await page.getByTestId('amount-due').textContent()).toBe('€57.00');
    await screenshot(page, 'error-insufficient-points');
    expect(await seriousViolations(page)).toEqual([]);
  });
});

describe('reward analytics', () => {
  it('shows a reward program with its redemption rate and usage charts', async () => {
    const admin = platform.client(await platform.token({ tenant, roles: ['admin'] }));
    const reward = await admin<{ rewardId: string }>('POST', '/v1/rewards', {
      name: 'Loyal patrons 5%',
      conditions: [{ criterion: 'total-spending', operator: '>=', value: 0 }],
      reward: { type: 'percentage', basisPoints: 500 },
      validity: { kind: 'continuous' },
    });
    await admin('POST', `/v1/rewards/${reward.body.rewardId}/activation`, { active: true });
    const page = await newPage();
    await logIn(page, web.url, await platform.token({ tenant, roles: ['operator'], sub: 'olivia' }));
    await page.waitForURL('**/back-office');
    await page.goto(`${web.url}/back-office/reward-programs`);
    await page.getByText('Redemption rate').waitFor();
    await page.getByRole('img', { name: 'Rewards used per day' }).waitFor();
    await page.getByRole('img', { name: /Discount given per day in EUR/ }).waitFor();
    await screenshot(page, 'flow-reward-analytics');
    expect(await seriousViolations(page)).toEqual([]);
  });
});
