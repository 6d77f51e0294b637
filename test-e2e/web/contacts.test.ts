/**
 * A contact's page in Debian's Chromium against the running platform (every service, the
 * gateway, the partner simulator and the web server; nothing stubbed). A box-office clerk finds
 * nobody for a phone number, opens an account for it and finds it by that phone, without being
 * shown anything its role may not read. An operator reads a contact's points earned on a
 * confirmed order in the program's words and in money, the history, tier progress, partner
 * points and a preferred seat, removes the seat after confirming and adjusts the balance; the
 * API reads back each change. Every page visited passes axe, also at a phone's width.
 */
import { eventually } from '@tlp/testkit';
import type { Page } from 'playwright-core';
import type { Platform } from '../harness';
import { logIn, openPage, screenshot, seriousViolations, simulatedPartner, startWebPlatform, type Browser, type WebPlatform, type WebServer } from './browser';

jest.setTimeout(240_000);

const tenant = 'arena';
let platform: Platform;
let web: WebServer;
let browser: Browser;
let world: WebPlatform | undefined;
type Call = ReturnType<Platform['client']>;
let admin: Call;
let clubId = '';

interface Account {
  accountId: string;
  contactId: string;
  programId: string;
  phone: string | null;
  balance: number;
}

beforeAll(async () => {
  world = await startWebPlatform({
    label: 'web_contacts',
    // Every balance is asked of the partner, so one that is down shows its last known figure at once.
    env: { 'partner-sync': { BALANCE_FRESH_MS: '0' } },
  });
  ({ platform, web, browser } = world);
  admin = platform.client(await platform.token({ tenant, roles: ['admin'] }));
  // Two active programs, so the till asks which one; orders earn in the first (the tenant's default).
  const program = async (name: string, word: string | { one: string; other: string }, tiers: unknown[]) => {
    const made = await admin<{ programId: string }>('POST', '/v1/loyalty-programs', {
      name,
      unit: 'points',
      wording: { en: word },
      currency: 'EUR',
      earnRules: [{ kind: 'per-amount', points: 1, perAmountMinor: 100 }],
      tiers,
    });
    expect(made.status).toBe(201);
    await admin('POST', `/v1/loyalty-programs/${made.body.programId}/activation`, { active: true });
    return made.body.programId;
  };
  clubId = await program('Arena club', { one: 'star', other: 'stars' }, [{ name: 'Gold', criterion: 'total-spending', threshold: 50_000 }]);
  await program('Family pass', 'smiles', []);
}, 600_000);

afterAll(() => world?.stop());

const findByPhone = (call: Call, phone: string) => call<Account & { code?: string }>('GET', `/v1/loyalty-accounts?phone=${encodeURIComponent(phone)}&programId=${clubId}`);

async function loggedIn(roles: string[], sub: string): Promise<Page> {
  const page = await openPage(browser);
  await logIn(page, web.url, await platform.token({ tenant, roles, sub }));
  await page.waitForURL('**/back-office');
  await page.getByRole('link', { name: 'Contacts' }).click();
  await page.getByRole('heading', { name: 'Contacts', level: 2 }).waitFor();
  return page;
}

async function choose(page: Page, combobox: string, option: string): Promise<void> {
  await page.getByRole('combobox', { name: combobox }).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

describe('a box-office clerk at the till', () => {
  it('finds nobody for a phone number, opens an account for it, then finds it by that phone, and sees nothing its role may not read', async () => {
    const clerk = platform.client(await platform.token({ tenant, roles: ['box-office'] }));
    expect((await findByPhone(clerk, '+33611223344')).body.code).toBe('ACCOUNT_NOT_FOUND');

    const page = await loggedIn(['box-office'], 'bella');
    await choose(page, 'Loyalty program', 'Arena club');
    const search = page.getByRole('form', { name: 'Find a loyalty account by phone number' });
    await search.getByLabel('Phone number').fill('+33 6 11 22 33 44');
    await search.getByRole('button', { name: 'Find' }).click();
    await page.getByRole('status').filter({ hasText: 'Nobody has a loyalty account with the phone number +33 6 11 22 33 44' }).waitFor();
    await screenshot(page, 'contacts-phone-nobody');
    expect(await seriousViolations(page)).toEqual([]);

    const open = page.getByRole('form', { name: 'Open a loyalty account' });
    expect(await open.getByLabel('Phone number').inputValue()).toBe('+33 6 11 22 33 44');
    await open.getByLabel('Customer (contact id)').fill('walk-in-1');
    await open.getByRole('button', { name: 'Open the account' }).click();
    await page.waitForURL(`**/back-office/contacts/walk-in-1?program=${clubId}`);
    await page.getByRole('status').filter({ hasText: 'Loyalty account opened' }).waitFor();
    const balance = page.getByTestId('loyalty-balance');
    await balance.getByText('0 stars').waitFor();
    expect(await balance.textContent()).toContain('worth €0.00');
    expect(await page.getByTestId('loyalty-phone').textContent()).toContain('Phone +33611223344');

    // The parts of the page a box-office role may not call are left out, not refused.
    await page.getByText('Partner points are shown to operators').waitFor();
    await page.getByText('No voucher for this customer.').waitFor();
    await page.getByText('No credit note in EUR for this customer.').waitFor();
    await page.getByText('No preferred seat').waitFor();
    await page.getByText('Nothing earned or spent yet.').waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(await page.getByRole('form', { name: 'Adjust the balance' }).count()).toBe(0);
    await screenshot(page, 'contacts-box-office-opened');
    expect(await seriousViolations(page)).toEqual([]);

    const opened = await findByPhone(clerk, '+33611223344');
    expect(opened.status).toBe(200);
    expect(opened.body).toMatchObject({ contactId: 'walk-in-1', programId: clubId, phone: '+33611223344', balance: 0 });

    // Back at the till, the same phone typed another way finds that account.
    await page.getByRole('link', { name: 'Find another contact' }).click();
    await page.getByRole('heading', { name: 'Contacts', level: 2 }).waitFor();
    await choose(page, 'Loyalty program', 'Arena club');
    await search.getByLabel('Phone number').fill('+336 11 22 33 44');
    await search.getByRole('button', { name: 'Find' }).click();
    await page.waitForURL(`**/back-office/contacts/walk-in-1?program=${clubId}`);
    await page.getByRole('heading', { name: 'Contact walk-in-1', level: 2 }).waitFor();
    await page.getByTestId('loyalty-phone').getByText('Phone +33611223344').waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
    await screenshot(page, 'contacts-box-office-found');

    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByTestId('loyalty-balance').scrollIntoViewIfNeeded();
    await screenshot(page, 'contacts-box-office-phone');
    expect(await seriousViolations(page)).toEqual([]);
    await page.close();
  });
});

describe('an operator and a contact', () => {
  it("reads the points of a confirmed order in words and money, the history, tier progress, partner points and a preferred seat; removes the seat after confirming and adjusts the balance", async () => {
    const contactId = 'fan-marc';
    const opened = await admin<Account>('POST', '/v1/loyalty-accounts', { contactId, programId: clubId, phone: '+44 7700 900123' });
    expect(opened.status).toBe(200);

    // A confirmed order of €120.00 at the box office earns 120 stars.
    const cart = { orderId: 'arena-order-1', channel: 'box-office', currency: 'EUR', contactId, lines: [{ lineId: 'l1', productId: 'derby', productFamily: 'event', unitPriceMinor: 12_000, quantity: 1 }] };
    expect((await admin('POST', '/v1/checkout/holds', cart)).status).toBe(201);
    expect((await admin<{ state: string }>('POST', '/v1/checkout/arena-order-1/confirmation')).body.state).toBe('confirmed');
    const account = async () => (await admin<Account>('GET', `/v1/loyalty-accounts?contactId=${contactId}&programId=${clubId}`)).body;
    await eventually(async () => ((await account()).balance === 120 ? true : undefined), 20_000);
    const standing = (await admin<{ percent: number; next: string }>('GET', `/v1/contacts/${contactId}/tier-progress?programId=${clubId}`)).body;
    expect(standing).toMatchObject({ next: 'Gold' });

    // Partner points: the partner knows the contact once the ticketing system registers them.
    const partner = await simulatedPartner(platform, admin, tenant, { apiKey: 'arena-r4r-key-0001', conversion: { points: 100, amountMinor: 50, currency: 'EUR' } });
    await partner.register(contactId);
    await partner.credit(contactId, 2500);

    // A fixed-seat season ticket bought at the box office keeps seat A-1-2 as the preferred seat.
    const made = async <T>(path: string, body: unknown): Promise<T> => {
      const r = await admin<T>('POST', path, body);
      if (r.status !== 201) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    const seat = (number: string) => ({ area: 'A', row: '1', number });
    const { spaceId } = await made<{ spaceId: string }>('/v1/spaces', { name: 'Main stand' });
    const { physicalConfigurationId } = await made<{ physicalConfigurationId: string }>('/v1/physical-configurations', { spaceId, name: 'Football', seats: ['1', '2', '3'].map(seat) });
    const { logicalConfigurationId } = await made<{ logicalConfigurationId: string }>('/v1/logical-configurations', {
      physicalConfigurationId,
      name: 'League match',
      seats: ['1', '2', '3'].map((n) => ({ ...seat(n), category: 'CAT1' })),
    });
    const { performanceId } = await made<{ performanceId: string }>('/v1/performances', { logicalConfigurationId, name: 'Derby', startsAt: new Date(Date.now() + 30 * 86_400_000).toISOString() });
    const { seasonTicketId } = await made<{ seasonTicketId: string }>('/v1/season-tickets', { name: 'Season 2026', type: 'fixed-seat', quota: 10, performanceIds: [performanceId] });
    await made(`/v1/season-tickets/${seasonTicketId}/purchases`, { orderId: 'arena-season-1', tickets: [{ contactId, seatCategory: 'CAT1', seats: [{ ...seat('2'), physicalConfigurationId }] }] });
    const preferred = async () => (await admin<{ preferredSeats: unknown[] }>('GET', `/v1/contacts/${contactId}/preferred-seats`)).body.preferredSeats;
    expect(await preferred()).toEqual([
      expect.objectContaining({ area: 'A', row: '1', number: '2', physicalConfigurationId, physicalConfigurationName: 'Football', fromOrderId: 'arena-season-1' }),
    ]);

    const page = await loggedIn(['operator'], 'olivia');
    const goTo = page.getByRole('form', { name: 'Go to a contact by id' });
    await goTo.getByLabel('Contact id').fill(contactId);
    await goTo.getByRole('button', { name: 'Show the contact' }).click();
    await page.getByRole('heading', { name: `Contact ${contactId}`, level: 2 }).waitFor();

    const balance = page.getByTestId('loyalty-balance');
    await balance.getByText('120 stars').waitFor();
    expect(await balance.textContent()).toContain('worth €1.20');
    expect(await page.getByTestId('loyalty-phone').textContent()).toContain('Phone +447700900123');
    const history = page.getByTestId('loyalty-history');
    const earned = history.getByRole('row', { name: /Earned/ });
    await earned.waitFor();
    expect(await earned.getByRole('cell').allTextContents()).toEqual([expect.any(String), 'Earned', '+120 stars', '120 stars', 'Order arena-order-1']);
    const tiers = page.getByTestId('tier-progress');
    await tiers.getByRole('heading', { name: `${contactId} is ${standing.percent}% to Gold!` }).waitFor();
    // Gold counts money spent: €500.00, of which the order's €120.00 is done.
    expect(await tiers.textContent()).toContain('€380.00 to go.');
    const partnerPoints = page.getByTestId('partner-balance');
    await partnerPoints.getByText('2,500 Rugby points').waitFor();
    expect(await partnerPoints.textContent()).toContain('worth €12.50');
    expect(await partnerPoints.textContent()).not.toContain('last known');
    const seats = page.getByTestId('preferred-seats');
    const seatRow = seats.getByRole('row', { name: /A, row 1, seat 2/ });
    await seatRow.waitFor();
    // The venue layout by its name, not its id.
    expect((await seatRow.getByRole('cell').allTextContents()).slice(0, 3)).toEqual(['A, row 1, seat 2', 'Football', 'arena-season-1']);
    expect(await seats.textContent()).not.toContain(physicalConfigurationId);
    await screenshot(page, 'contact-operator');
    expect(await seriousViolations(page)).toEqual([]);

    // Removing the preferred seat asks first; kept, nothing changes.
    await page.getByRole('button', { name: 'Remove the preferred seat A, row 1, seat 2' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove the preferred seat A, row 1, seat 2?' });
    await dialog.getByText('in the venue layout Football. Tickets already bought are not touched.').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Keep the seat' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await preferred()).toHaveLength(1);
    await page.getByRole('button', { name: 'Remove the preferred seat A, row 1, seat 2' }).click();
    await dialog.getByRole('button', { name: 'Remove the seat' }).click();
    await page.getByRole('status').filter({ hasText: 'Preferred seat removed' }).waitFor();
    await page.getByText('No preferred seat').waitFor();
    expect(await preferred()).toEqual([]);

    // An adjustment moves the balance shown, its money value and the history; too large a removal is refused plainly.
    const adjust = page.getByRole('form', { name: 'Adjust the balance' });
    await adjust.getByLabel('Change in stars').fill('-1000');
    await adjust.getByLabel('Reason').fill('Mistaken removal');
    await adjust.getByRole('button', { name: 'Adjust' }).click();
    const refused = page.getByRole('alert').filter({ hasText: 'The balance was not adjusted' });
    await refused.waitFor();
    expect(await refused.getAttribute('data-problem-code')).toBe('INSUFFICIENT_POINTS');
    expect((await account()).balance).toBe(120);

    // One point is one star, in the singular the program gives.
    await adjust.getByLabel('Change in stars').fill('1');
    await adjust.getByLabel('Reason').fill('Goodwill for the delayed kick-off');
    await adjust.getByRole('button', { name: 'Adjust' }).click();
    await page.getByRole('status').filter({ hasText: 'Balance adjusted' }).getByText('+1 star: the balance is now 121 stars.').waitFor();
    await balance.getByText('121 stars').waitFor();
    expect(await balance.textContent()).toContain('worth €1.21');
    const adjusted = history.getByRole('row', { name: /Adjusted/ });
    await adjusted.waitFor();
    expect((await adjusted.getByRole('cell').allTextContents()).slice(1, 4)).toEqual(['Adjusted', '+1 star', '121 stars']);
    expect(await adjusted.textContent()).toContain('Goodwill for the delayed kick-off (by olivia)');
    expect((await account()).balance).toBe(121);
    await screenshot(page, 'contact-operator-adjusted');
    expect(await seriousViolations(page)).toEqual([]);

    // The partner stops answering: its last known balance stays, marked as such.
    await partner.setDown(true);
    try {
      await page.reload();
      await partnerPoints.getByText('partner unavailable: last known').waitFor();
      expect(await partnerPoints.textContent()).toContain('2,500 Rugby points');
      await screenshot(page, 'contact-partner-down');
    } finally {
      await partner.setDown(false);
    }

    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByTestId('loyalty-history').scrollIntoViewIfNeeded();
    await screenshot(page, 'contact-operator-phone');
    expect(await seriousViolations(page)).toEqual([]);
    await page.close();
  });
});
