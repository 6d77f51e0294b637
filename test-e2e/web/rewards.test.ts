/**
 * Reward programs, promo codes and partner points in Debian's Chromium against the running
 * platform (every service, the gateway, the partner simulator and the web server; nothing
 * stubbed). An operator creates a reward on the screen, activates it, grants it to a fan who
 * then sees it in "My rewards", and revokes it; edits and clones it. An operator creates a promo
 * code and a fan's quote applies it. A fan paying with partner points while the partner is down
 * is told so plainly. Each test saves a screenshot; the pages visited pass axe.
 */
import type { Page } from 'playwright-core';
import type { Platform } from '../harness';
import { logIn, openPage, screenshot, seriousViolations, simulatedPartner, startWebPlatform, type Browser, type WebPlatform, type WebServer } from './browser';

jest.setTimeout(240_000);

const tenant = 'stadium';
let platform: Platform;
let web: WebServer;
let browser: Browser;
let world: WebPlatform | undefined;
type Call = ReturnType<Platform['client']>;
let admin: Call;

beforeAll(async () => {
  world = await startWebPlatform({
    label: 'web_rewards',
    env: {
      gateway: { RATE_LIMIT_ATTEMPTS_PER_MIN: '1000' },
      // Every balance is asked of the partner, so one that is down shows as such at once.
      'partner-sync': { BALANCE_FRESH_MS: '0' },
    },
  });
  ({ platform, web, browser } = world);
  admin = platform.client(await platform.token({ tenant, roles: ['admin'] }));
  const program = await admin<{ programId: string }>('POST', '/v1/loyalty-programs', {
    name: 'Stadium club',
    unit: 'points',
    wording: { en: 'goals' },
    currency: 'EUR',
    earnRules: [{ kind: 'per-amount', points: 1, perAmountMinor: 100 }],
  });
  await admin('POST', `/v1/loyalty-programs/${program.body.programId}/activation`, { active: true });
  await admin('POST', '/v1/loyalty-accounts', { contactId: 'fan-sam' });
}, 600_000);

afterAll(() => world?.stop());

const newPage = () => openPage(browser);

async function asOperator(): Promise<Page> {
  const page = await newPage();
  await logIn(page, web.url, await platform.token({ tenant, roles: ['operator'], sub: 'omar' }));
  await page.waitForURL('**/back-office');
  return page;
}

interface Reward {
  rewardId: string;
  name: string;
  campaign?: string | null;
  active: boolean;
  reward: { type: string; amountMinor?: number; currency?: string; basisPoints?: number };
  conditions: { criterion: string; operator: string; value: number }[];
  validity: { kind: string };
}
const rewardsNamed = async (name: string) => (await admin<{ rewards: Reward[] }>('GET', '/v1/rewards')).body.rewards.filter((r) => r.name === name);

describe('an operator and reward programs', () => {
  it('creates a reward on the screen, activates it, grants it to a fan who sees it in "My rewards", and revokes it', async () => {
    const page = await asOperator();
    await page.goto(`${web.url}/back-office/reward-programs`);
    await page.getByRole('link', { name: 'New reward program' }).click();
    await page.getByRole('heading', { name: 'New reward program' }).waitFor();
    await page.getByRole('textbox', { name: /^Name/ }).fill('Season regulars');
    await page.getByLabel('Campaign').fill('spring');
    await page.getByRole('radio', { name: 'Fixed amount off' }).check();
    await page.getByRole('textbox', { name: /^Amount off/ }).fill('10.00');
    await page.getByRole('combobox', { name: 'Condition 1: criterion' }).click();
    await page.getByRole('option', { name: 'Tickets purchased' }).click();
    await page.getByLabel('Condition 1: value').fill('50');
    await page.getByRole('radio', { name: 'Continuously, while the conditions hold' }).check();
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Create the reward program' }).click();

    // Created inactive, listed and chosen.
    await page.waitForURL('**/back-office/reward-programs?reward=*');
    const row = page.getByRole('row', { name: /Season regulars/ });
    await row.getByText('Inactive').waitFor();
    expect(await row.textContent()).toContain('€10.00 off');
    expect(await row.textContent()).toContain('Tickets purchased at least 50');
    const [created] = await rewardsNamed('Season regulars');
    expect(created).toMatchObject({ active: false, reward: { type: 'fixed', amountMinor: 1000, currency: 'EUR' }, conditions: [{ criterion: 'tickets-purchased', operator: '>=', value: 50 }] });

    await page.getByRole('button', { name: 'Activate Season regulars' }).click();
    await row.getByText('Active', { exact: true }).waitFor();
    expect((await rewardsNamed('Season regulars'))[0]?.active).toBe(true);

    // Sam has bought no ticket: a grant is refused with the reason, then given by hand.
    await page.getByRole('tab', { name: 'Customers' }).click();
    await page.getByLabel('Contact id').fill('fan-sam');
    await page.getByRole('button', { name: 'Grant', exact: true }).click();
    const refused = page.getByRole('alert').filter({ hasText: 'The reward was not granted' });
    await refused.waitFor();
    expect(await refused.textContent()).toContain('does not meet the reward’s conditions');
    await page.getByLabel('Grant even if the contact does not meet the conditions').check();
    // Enter in the field grants (the form's first button), as a keyboard user would.
    await page.getByLabel('Contact id').press('Enter');
    await page.getByTestId('grant-result').getByText('Season regulars for fan-sam: granted.').waitFor();
    await screenshot(page, 'rewards-granted');
    expect(await seriousViolations(page)).toEqual([]);

    const fan = platform.client(await platform.token({ tenant, roles: ['fan'], contactId: 'fan-sam' }));
    const mine = async () => (await fan<{ rewards: { rewardId: string; state: string }[] }>('GET', '/v1/me/rewards')).body.rewards.filter((r) => r.rewardId === created!.rewardId);
    expect(await mine()).toEqual([expect.objectContaining({ state: 'active' })]);
    const fanPage = await newPage();
    await logIn(fanPage, web.url, await platform.token({ tenant, roles: ['fan'], contactId: 'fan-sam', sub: 'sam' }));
    await fanPage.waitForURL('**/me');
    const card = fanPage.getByRole('tabpanel', { name: /Active/ }).getByText('Season regulars');
    await card.waitFor();
    expect(await fanPage.getByRole('tabpanel', { name: /Active/ }).textContent()).toContain('€10.00 off');
    await screenshot(fanPage, 'rewards-fan-sees-granted');
    expect(await seriousViolations(fanPage)).toEqual([]);

    await page.getByRole('button', { name: 'Revoke', exact: true }).click();
    await page.getByTestId('grant-result').getByText('Season regulars for fan-sam: revoked.').waitFor();
    expect(await mine()).toEqual([]);
    await fanPage.reload();
    await fanPage.getByRole('tab', { name: 'Active (0)' }).waitFor();
    expect(await fanPage.getByText('Season regulars').count()).toBe(0);
    await screenshot(fanPage, 'rewards-fan-after-revocation');
  });

  it('edits a reward into a percentage and clones it, the copy inactive with the same terms', async () => {
    const base = await admin<Reward>('POST', '/v1/rewards', {
      name: 'Early birds',
      conditions: [{ criterion: 'total-spending', operator: '>=', value: 10_000 }],
      reward: { type: 'free-ticket' },
      validity: { kind: 'one-time' },
      campaign: 'launch',
    });
    const page = await asOperator();
    await page.goto(`${web.url}/back-office/reward-programs?reward=${base.body.rewardId}`);
    await page.getByRole('link', { name: 'Edit Early birds' }).click();
    await page.getByRole('heading', { name: 'Edit the reward program' }).waitFor();
    // The spending threshold reads in the program's currency.
    expect(await page.getByLabel('Condition 1: value in EUR').inputValue()).toBe('100.00');
    await page.getByRole('textbox', { name: /^Name/ }).fill('Early birds 15%');
    await page.getByRole('radio', { name: 'Percentage off' }).check();
    await page.getByRole('textbox', { name: /^Percentage off/ }).fill('15');
    // Emptying the campaign removes it.
    await page.getByLabel('Campaign').fill('');
    await page.getByRole('button', { name: 'Save the reward program' }).click();
    const row = page.getByRole('row', { name: /Early birds 15%/ });
    await row.getByText('15 % off').waitFor();
    expect(await row.textContent()).toContain('Total spending at least €100.00');

    await page.getByLabel('Name of the copy').fill('Early birds 15% (autumn)');
    await page.getByRole('button', { name: 'Clone', exact: true }).click();
    await page.getByRole('row', { name: /Early birds 15% \(autumn\)/ }).getByText('Inactive').waitFor();
    await screenshot(page, 'rewards-edited-and-cloned');
    expect(await seriousViolations(page)).toEqual([]);

    const [edited] = await rewardsNamed('Early birds 15%');
    const [copy] = await rewardsNamed('Early birds 15% (autumn)');
    expect(edited).toMatchObject({ rewardId: base.body.rewardId, reward: { type: 'percentage', basisPoints: 1500 }, validity: { kind: 'one-time' } });
    expect(edited!.campaign ?? null).toBeNull();
    expect(copy).toMatchObject({ active: false, reward: edited!.reward, conditions: edited!.conditions, validity: edited!.validity });
    expect(copy!.rewardId).not.toBe(edited!.rewardId);
  });
});

describe('an operator and promo codes', () => {
  it('creates a promo code that a fan’s quote applies, then edits its maximum uses and closes it', async () => {
    const page = await asOperator();
    await page.goto(`${web.url}/back-office/advantages`);
    await page.getByRole('tab', { name: 'Promo codes' }).click();
    await page.getByRole('link', { name: 'New promo code' }).click();
    await page.getByRole('heading', { name: 'New promo code' }).waitFor();
    await page.getByRole('textbox', { name: /^Code/ }).fill('stadium-15');
    await page.getByLabel('Internal name').fill('Stadium 15%');
    await page.getByLabel('Public name').fill('15% off your order');
    await page.getByRole('textbox', { name: /^Percentage off/ }).fill('15');
    await page.getByLabel('Minimum order amount').fill('20.00');
    await page.getByRole('checkbox', { name: 'Webshop' }).check();
    await page.getByLabel('Maximum uses').fill('100');
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Create the promo code' }).click();

    await page.waitForURL('**/back-office/advantages?tab=promo-codes');
    const row = page.getByTestId('promo-codes').getByRole('row', { name: /STADIUM15/ });
    await row.getByText('In operation').waitFor();
    expect(await row.textContent()).toContain('0 / 100');
    expect(await row.textContent()).toContain('15 % off the order');
    const { body } = await admin<{ promoCodes: { promoCodeId: string; accessCode: string; state: string; minCartAmount: unknown; channels: string[]; maxUses: number }[] }>('GET', '/v1/promo-codes');
    const promo = body.promoCodes.find((p) => p.accessCode === 'STADIUM15');
    expect(promo).toMatchObject({ state: 'in-operation', minCartAmount: { amountMinor: 2000, currency: 'EUR' }, channels: ['webshop'], maxUses: 100 });

    const fan = platform.client(await platform.token({ tenant, roles: ['fan'], contactId: 'fan-sam' }));
    const quote = (channel: string) =>
      fan<{ totalMinor: number; lines: { reductions: { source: string; ref: string; amountMinor: number }[] }[]; notApplied: { reason: string }[] }>('POST', '/v1/checkout/quote', {
        channel,
        currency: 'EUR',
        lines: [{ lineId: 'l1', productId: 'derby', productFamily: 'event', unitPriceMinor: 4000, quantity: 1 }],
        codes: ['Stadium 15'],
      });
    const applied = await quote('webshop');
    expect(applied.status).toBe(200);
    expect(applied.body.lines[0]!.reductions).toEqual([expect.objectContaining({ source: 'promo-code', ref: promo!.promoCodeId, amountMinor: 600 })]);
    expect(applied.body.totalMinor).toBe(3400);
    expect((await quote('box-office')).body.notApplied).toEqual([expect.objectContaining({ reason: 'channel-not-allowed' })]);

    // In operation, the code and discount are locked; the maximum uses may change.
    await row.getByRole('link', { name: 'Edit STADIUM15' }).click();
    await page.getByRole('heading', { name: 'Edit the promo code' }).waitFor();
    expect(await page.getByRole('textbox', { name: /^Code/ }).isDisabled()).toBe(true);
    await page.getByLabel('Maximum uses').fill('50');
    await screenshot(page, 'promo-code-edit');
    expect(await seriousViolations(page)).toEqual([]);
    // At a phone's width the editor fits: nothing to scroll sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await screenshot(page, 'promo-code-edit-phone');
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByRole('button', { name: 'Save the promo code' }).click();
    await page.getByTestId('promo-codes').getByRole('row', { name: /STADIUM15/ }).getByText('0 / 50').waitFor();
    expect((await admin<{ maxUses: number }>('GET', `/v1/promo-codes/${promo!.promoCodeId}`)).body.maxUses).toBe(50);

    await page.getByRole('button', { name: 'Close STADIUM15' }).click();
    await page.getByTestId('promo-codes').getByRole('row', { name: /STADIUM15/ }).getByText('Closed').waitFor();
    await screenshot(page, 'promo-code-closed');
    expect((await quote('webshop')).body.totalMinor).toBe(4000);
  });
});

describe('a fan paying with partner points while the partner is down', () => {
  it('shows the balance as unavailable and says the partner is unavailable when confirming, holding nothing', async () => {
    const partner = await simulatedPartner(platform, admin, tenant, { apiKey: 'stadium-r4r-key-01', conversion: { points: 1, amountMinor: 1, currency: 'GBP' } });
    const partnerId = partner.partnerId;
    // The ticketing system registers the fan; partner-sync shares them with the partner, who credits points.
    await partner.register('fan-kim');
    await partner.credit('fan-kim', 5000);
    const fan = platform.client(await platform.token({ tenant, roles: ['fan'], contactId: 'fan-kim' }));
    expect((await fan<{ points: number; stale: boolean }>('GET', `/v1/me/partners/${partnerId}/balance`)).body).toMatchObject({ points: 5000, stale: false });

    await partner.setDown(true);
    try {
      const page = await newPage();
      await logIn(page, web.url, await platform.token({ tenant, roles: ['fan'], contactId: 'fan-kim', sub: 'kim' }));
      await page.waitForURL('**/me');
      const basket = JSON.stringify([{ lineId: 'l1', productId: 'final', productFamily: 'event', label: 'Cup final · East stand', amountMinor: 4000 }]);
      await page.goto(`${web.url}/me/checkout?currency=GBP&basket=${encodeURIComponent(basket)}`);
      await page.getByTestId('amount-due').getByText('£40.00').waitFor();
      const partnerPoints = page.getByTestId('partner-points');
      await partnerPoints.getByText('Rugby points unavailable right now').waitFor();
      expect(await partnerPoints.textContent()).toContain('5,000 Rugby points last known, worth £50.00');

      await page.getByLabel('Amount to pay with Rugby points').fill('15.00');
      await page.getByRole('button', { name: 'Use Rugby points' }).click();
      await page.getByTestId('amount-due').getByText('£25.00').waitFor();
      await page.getByRole('button', { name: /Confirm and pay/ }).click();
      const notConfirmed = page.getByRole('alert').filter({ hasText: 'The order was not confirmed' });
      await notConfirmed.waitFor();
      expect(await notConfirmed.textContent()).toContain('The loyalty partner is unavailable right now');
      expect(await page.getByRole('heading', { name: 'Checkout' }).isVisible()).toBe(true);
      expect(await page.getByTestId('amount-due').textContent()).toBe('£25.00');
      await screenshot(page, 'partner-unavailable');
      expect(await seriousViolations(page)).toEqual([]);

      // A fan the partner never gave a balance for is told the partner is not answering, not shown nothing.
      const newcomer = await newPage();
      await logIn(newcomer, web.url, await platform.token({ tenant, roles: ['fan'], contactId: 'fan-lee', sub: 'lee' }));
      await newcomer.waitForURL('**/me');
      await newcomer.goto(`${web.url}/me/checkout?currency=GBP&basket=${encodeURIComponent(basket)}`);
      await newcomer.getByTestId('amount-due').getByText('£40.00').waitFor();
      await newcomer.getByTestId('partner-unavailable').getByText(/Your loyalty partner is not answering right now/).waitFor();
      expect(await newcomer.getByTestId('partner-points').count()).toBe(0);
      await screenshot(newcomer, 'partner-unavailable-no-balance');
      expect(await seriousViolations(newcomer)).toEqual([]);
    } finally {
      await partner.setDown(false);
    }
    // Nothing was held at the partner and the fan still has every point.
    const after = await partner.books();
    expect(after.authorisations).toEqual([]);
    expect(after.members.find((m) => m.externalRef === 'fan-kim')?.points).toBe(5000);
  });
});
