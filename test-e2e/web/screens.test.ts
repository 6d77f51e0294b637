/**
 * The screens' behaviour in Chromium while their gateway routes are being written: the routes
 * are answered in the browser by stub-api.ts (the rest of the app, its server and the browser
 * are real). Operator: a single-use advantage through the step-by-step editor, a batch of codes
 * with progress, the dashboard, tracking and invalidation. Fan: my rewards and tier progress,
 * checkout with a code and points, clear messages for an expired code, missing points and an
 * unavailable partner, then the new balance and the progress moved.
 */
import type { Page } from 'playwright-core';
import { launchBrowser, logIn, screenshot, seriousViolations, startWeb, type Browser, type WebServer } from './browser';
import { problem, stubApi, type StubCall } from './stub-api';

jest.setTimeout(180_000);

let web: WebServer;
let browser: Browser;

/** The app reads claims only; the signature is the gateway's business. */
const token = (claims: object) => `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify({ tenant: 'demo', exp: Math.floor(Date.now() / 1000) + 3600, ...claims })).toString('base64url')}.c2ln`;

beforeAll(async () => {
  // No gateway behind: every /v1 call is answered in the browser.
  web = await startWeb('http://127.0.0.1:9');
  browser = await launchBrowser();
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await web?.stop();
});

async function newPage(): Promise<Page> {
  const page = await browser.context.newPage();
  await page.emulateMedia({ reducedMotion: 'reduce' });
  return page;
}

const mutations = (calls: StubCall[]) => calls.filter((c) => c.method !== 'GET');

describe('operator screens for single-use codes', () => {
  it('creates a single-use advantage step by step, generates 5,000 codes with progress, and sees them in the dashboard', async () => {
    const page = await newPage();
    const advantageId = '0190aaaa-0000-7000-8000-000000000001';
    let created: Record<string, unknown> | undefined;
    let polls = 0;
    const calls = await stubApi(page, {
      'GET /promotion/advantages': () => ({ body: { advantages: created ? [created] : [] } }),
      'POST /promotion/advantages': (c) => {
        created = { ...(c.body as object), advantageId, state: 'in-operation', createdAt: new Date().toISOString() };
        return { status: 201, body: created };
      },
      'POST /promotion/advantages/{advantageId}/code-batches': (c, p) => ({
        status: 202,
        body: { batchId: 'b-1', advantageId: p.advantageId, requested: (c.body as { count: number }).count, generated: 0, state: 'running' },
      }),
      'GET /promotion/advantages/{advantageId}/code-batches/{batchId}': (_c, p) => {
        polls++;
        const generated = Math.min(5000, polls * 2500);
        return { body: { batchId: p.batchId, advantageId: p.advantageId, requested: 5000, generated, state: generated === 5000 ? 'done' : 'running', downloadPath: '/v1/promotion/code-batches/b-1.csv' } };
      },
      'GET /promotion/code-dashboard': () => ({
        body: { rows: [{ contactId: 'SECUTX', advantageId, advantageName: 'Opening concert offer', generated: 5000, available: 4999, used: 1, ticketsScanned: 0, invalidated: 0 }] },
      }),
      'GET /promotion/codes': (c) => ({ body: { codes: [{ code: c.query.get('code'), advantageId, state: polls > 100 ? 'invalidated' : 'available', usedAt: null, usedBy: null, orderId: null }] } }),
      'POST /promotion/codes/{code}/invalidate': (_c, p) => {
        polls = 1000;
        return { body: { code: p.code, advantageId, state: 'invalidated', usedAt: null, usedBy: null, orderId: null } };
      },
    });
    await logIn(page, web.url, token({ sub: 'olivia', roles: ['operator'] }));
    await page.getByRole('link', { name: 'Advantages & promo codes' }).click();
    await page.getByRole('link', { name: 'New advantage' }).click();
    await page.getByRole('heading', { name: 'New advantage' }).waitFor();

    // Step 1 refuses to move on with a gap, then takes the family and season.
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('Choose the product family.').waitFor();
    await page.getByRole('combobox', { name: 'Product family of the advantage' }).click();
    await page.getByRole('option', { name: 'Event', exact: true }).click();
    await page.getByLabel('Season').fill('2025-2026');
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Next' }).click();
    // Step 2: names, single-use target, quota, validity.
    await page.getByLabel('Internal name').fill('Opening concert offer');
    await page.getByLabel('Public name').fill('Opening concert offer');
    await page.getByLabel('Single-use codes').check();
    await page.getByLabel('Quota').fill('5000');
    await screenshot(page, 'advantage-editor-general');
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Next' }).click();
    // Step 3: 20 % off; step 4: two channels; step 5: the summary.
    await page.getByLabel('Percentage off').fill('20');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Box office').check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('table', { name: 'Summary of the advantage' }).waitFor();
    await screenshot(page, 'advantage-editor-validation');
    await page.getByRole('button', { name: 'Create the advantage' }).click();

    await page.waitForURL(`**/back-office/codes?advantage=${advantageId}`);
    const create = mutations(calls).find((c) => c.path === '/v1/promotion/advantages')!;
    expect(create.body).toMatchObject({
      productFamily: 'event',
      season: '2025-2026',
      targetType: 'single-use',
      quota: 5000,
      discount: { kind: 'percentage', percent: 20 },
      channels: ['webshop', 'box-office'],
      putIntoOperation: true,
    });
    expect(create.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(create.headers.authorization).toMatch(/^Bearer ey/);

    await page.getByLabel('Number of codes').fill('5000');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.getByText('Codes generated').waitFor();
    expect(await page.getByTestId('batch-count').textContent()).toBe('5,000 / 5,000');
    expect(polls).toBeGreaterThanOrEqual(2);
    await page.getByRole('button', { name: 'Download the list (CSV)' }).waitFor();
    await screenshot(page, 'codes-generated');
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('tab', { name: 'Dashboard' }).click();
    const dashboard = page.getByTestId('code-dashboard');
    await dashboard.waitFor();
    expect(await dashboard.locator('tbody tr').first().locator('td').allTextContents()).toEqual(['SECUTX', 'Opening concert offer', '5,000', '4,999', '1', '0', '0']);
    await screenshot(page, 'codes-dashboard');
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('tab', { name: 'Code tracking' }).click();
    await page.getByRole('textbox', { name: 'Code' }).fill('k7mq-2xzp');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByRole('button', { name: 'Invalidate K7MQ-2XZP' }).click();
    await page.getByText('Invalidated', { exact: true }).waitFor();
    expect(mutations(calls).map((c) => c.path)).toContain('/v1/promotion/codes/K7MQ-2XZP/invalidate');
    await page.close();
  });
});

describe('fan screens', () => {
  it("shows the balance in the program's words with its money value and the tier progress, then pays with a code and points and sees both move", async () => {
    const page = await newPage();
    let points = 1400;
    let tierValue = 900;
    const calls = await stubApi(page, {
      'GET /me/loyalty': () => ({
        body: {
          programId: 'p-1',
          programName: 'Club stars',
          wording: { en: 'stars', fr: 'étoiles' },
          points,
          value: { amountMinor: points, currency: 'EUR' },
          tiers: [
            { name: 'Bronze', threshold: 0 },
            { name: 'Silver', threshold: 500 },
            { name: 'Gold', threshold: 1000 },
          ],
          tierValue,
        },
      }),
      'GET /me/rewards': () => ({
        body: {
          rewards: [
            { rewardId: 'r-1', name: 'Birthday 10 %', kind: 'percentage', percent: 10, state: 'active', validUntil: '2026-12-31T00:00:00Z', usedAt: null },
            { rewardId: 'r-2', name: 'Free match ticket', kind: 'free-ticket', state: 'used', validUntil: null, usedAt: '2026-10-01T00:00:00Z' },
          ],
        },
      }),
      'POST /checkout/quote': (c) => {
        const r = c.body as { codes: string[]; points: number; voucherCodes: string[] };
        if (r.codes.includes('OLD-CODE')) return problem(422, 'PROMO_CODE_EXPIRED', 'Code OLD-CODE ended on 2026-06-30');
        // 400 stars are held by another order: the page offers the balance, the gateway refuses beyond what is free.
        if (r.points > points - 400) return problem(422, 'LOYALTY_INSUFFICIENT_POINTS', `Only ${points - 400} stars are free to spend`);
        if (r.voucherCodes.length > 0) return problem(503, 'PARTNER_UNAVAILABLE', 'Rewards4Rugby did not answer');
        const reductions = r.codes.includes('SAVE10') ? [{ source: 'promo-code', label: 'Code SAVE10', ref: 'SAVE10', amountMinor: 800 }] : [];
        const payments = r.points > 0 ? [{ method: 'points', label: 'Stars', amountMinor: r.points, points: r.points }] : [];
        const due = 8000 - reductions.reduce((t, x) => t + x.amountMinor, 0) - payments.reduce((t, x) => t + x.amountMinor, 0);
        return { body: { currency: 'EUR', subtotalMinor: 8000, reductions, payments, dueMinor: due, pointsAvailable: points, reservedAdvantages: [{ advantageId: 'a-1', name: 'Season ticket holders: 10 % off' }] } };
      },
      'POST /checkout': (c) => ({ status: 201, body: { checkoutId: 'co-1', state: 'held', quote: c.body, expiresAt: new Date(Date.now() + 600_000).toISOString() } }),
      'POST /checkout/{checkoutId}/confirm': () => {
        points = points - 500 + 67;
        tierValue += 67;
        return { body: { checkoutId: 'co-1', state: 'confirmed', quote: { currency: 'EUR', subtotalMinor: 8000, reductions: [], payments: [], dueMinor: 6700 }, expiresAt: new Date().toISOString() } };
      },
    });
    await logIn(page, web.url, token({ sub: 'c-1', roles: ['fan'], contactId: 'c-1' }));
    await page.getByRole('heading', { name: "You're 80% to Gold!" }).waitFor();
    expect(await page.getByTestId('balance').textContent()).toContain('1,400 stars');
    expect(await page.getByTestId('balance').textContent()).toContain('€14.00');
    await screenshot(page, 'fan-my-rewards');
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('link', { name: 'Checkout' }).click();
    const due = page.getByTestId('amount-due');
    await due.waitFor();
    expect(await due.textContent()).toBe('€80.00');
    await page.getByRole('img', { name: 'Reserved for you' }).waitFor();

    await page.getByLabel('Advantage or promo code').fill('old-code');
    await page.getByRole('button', { name: 'Apply code' }).click();
    await page.getByText('This code has expired and can no longer be used.').waitFor();
    await page.getByText('Code OLD-CODE ended on 2026-06-30').waitFor();
    await screenshot(page, 'checkout-expired-code');
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByLabel('Advantage or promo code').fill('save10');
    await page.getByRole('button', { name: 'Apply code' }).click();
    await page.getByText('Code SAVE10').waitFor();
    expect(await due.textContent()).toBe('€72.00');

    await page.getByLabel('Points to use').fill('2000');
    await page.getByRole('button', { name: 'Use points' }).click();
    await page.getByText('Not enough points for this amount.').waitFor();
    expect(await due.textContent()).toBe('€72.00');

    await page.getByLabel('Voucher code').fill('R4R-123');
    await page.getByRole('button', { name: 'Apply voucher' }).click();
    await page.getByText('The loyalty partner is unavailable right now.', { exact: false }).waitFor();

    await page.getByLabel('Points to use').fill('500');
    await page.getByRole('button', { name: 'Use points' }).click();
    await page.getByText('Stars (500 points)').waitFor();
    expect(await due.textContent()).toBe('€67.00');
    await screenshot(page, 'checkout-code-and-points');

    await page.getByRole('button', { name: 'Confirm and pay €67.00' }).click();
    await page.getByText('Thank you, your order is confirmed').waitFor();
    const [hold, confirm] = mutations(calls).filter((c) => c.path === '/v1/checkout' || c.path.endsWith('/confirm'));
    expect(hold!.body).toMatchObject({ codes: ['SAVE10'], points: 500, voucherCodes: [] });
    expect(hold!.headers['idempotency-key']).not.toBe(confirm!.headers['idempotency-key']);

    await page.getByRole('link', { name: 'See my rewards and balance' }).click();
    await page.getByRole('heading', { name: "You're 93% to Gold!" }).waitFor();
    expect(await page.getByTestId('balance').textContent()).toContain('967 stars');
    await screenshot(page, 'fan-my-rewards-after');
    await page.close();
  });
});
