/**
 * The loyalty programs and renewal runs screens in Debian's Chromium against the running platform
 * (nothing stubbed). An operator creates a loyalty program with its wording in the singular and
 * the plural, conversion, an earn rule and a tier, edits it, activates and clones it, and the API
 * reads back what was typed; a
 * box-office login is told clearly it may not change it. An operator starts a renewal run of a
 * season ticket set up through the API, is told clearly when a season ticket id is wrong, and
 * reads the report with its counts per decision. Each test saves screenshots; the pages pass axe.
 */
import type { Locator, Page } from 'playwright-core';
import type { Platform } from '../harness';
import { logIn, screenshot, seriousViolations, startWebPlatform, type Browser, type WebPlatform, type WebServer } from './browser';

jest.setTimeout(240_000);

const tenant = 'philharmonie';
let platform: Platform;
let web: WebServer;
let browser: Browser;
let world: WebPlatform | undefined;

beforeAll(async () => {
  world = await startWebPlatform({ label: 'web_programs' });
  ({ platform, web, browser } = world);
}, 600_000);

afterAll(() => world?.stop());

async function newPage(width = 1280, height = 900): Promise<Page> {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width, height });
  await page.emulateMedia({ reducedMotion: 'reduce' });
  return page;
}

/** An operator logged in who reached a back-office page through the navigation. */
async function operatorOn(link: string): Promise<Page> {
  const page = await newPage();
  await logIn(page, web.url, await platform.token({ tenant, roles: ['operator'], sub: 'olivia' }));
  await page.waitForURL('**/back-office');
  await page.getByRole('link', { name: link }).click();
  await page.getByRole('heading', { name: link, level: 2 }).waitFor();
  return page;
}

async function choose(scope: Page | Locator, page: Page, combobox: string, option: string): Promise<void> {
  await scope.getByRole('combobox', { name: combobox }).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

interface Program {
  programId: string;
  name: string;
  active: boolean;
  [field: string]: unknown;
}

describe('loyalty programs', () => {
  it('creates a program with its wording, value, an earn rule and a tier, edits it, activates and clones it, and the API reads back what was typed', async () => {
    const page = await operatorOn('Loyalty programs');
    await page.getByText('No loyalty program yet.').waitFor();

    await page.getByRole('button', { name: 'New loyalty program' }).click();
    const editor = page.getByRole('form', { name: 'New loyalty program' });
    await editor.getByLabel('Program name').fill('Philharmonie stars');
    const english = editor.getByRole('group', { name: 'Wording 1' });
    await english.getByLabel('Singular').fill('star');
    await english.getByLabel('Plural').fill('stars');
    await editor.getByRole('button', { name: 'Add a language' }).click();
    const french = editor.getByRole('group', { name: 'Wording 2' });
    await french.getByLabel('Language').fill('fr');
    await french.getByLabel('Singular').fill('étoile');
    await french.getByLabel('Plural').fill('étoiles');
    await editor.getByLabel('Number of points').fill('100');
    await editor.getByLabel('Are worth (in EUR)').fill('1.00');
    await editor.getByLabel('Days before earned points expire').fill('730');
    await editor.getByRole('button', { name: 'Add an earn rule' }).click();
    const rule = editor.getByRole('group', { name: 'Earn rule 1' });
    await rule.getByLabel(/^Points/).fill('1');
    await rule.getByLabel('For every (in EUR)').fill('10.00');
    await rule.getByLabel('Only on sales channels').fill('webshop, box-office');
    await editor.getByRole('button', { name: 'Add a tier' }).click();
    const gold = editor.getByRole('group', { name: 'Tier 1' });
    await gold.getByLabel('Tier name').fill('Gold');
    await gold.getByLabel('From (in EUR)').fill('500.00');
    await screenshot(page, 'loyalty-program-new');
    expect(await seriousViolations(page)).toEqual([]);
    await editor.getByRole('button', { name: 'Create the program' }).click();

    await page.getByRole('status').filter({ hasText: '“Philharmonie stars” created' }).waitFor();
    const row = page.getByTestId('loyalty-programs').getByRole('row', { name: /Philharmonie stars/ });
    expect(await row.textContent()).toContain('Inactive');
    expect(await row.textContent()).toContain('star / stars (en), étoile / étoiles (fr)');
    expect(await row.textContent()).toContain('100 stars = €1.00');
    expect(await row.textContent()).toContain('1 star per €10.00 spent (only webshop, box-office)');
    expect(await row.textContent()).toContain('Gold: Total spending from €500.00');

    // Edited: Gold comes lower, a Silver tier from 1 ticket (in the singular) is added; then activated.
    await page.getByRole('button', { name: 'Edit Philharmonie stars', exact: true }).click();
    const edit = page.getByRole('form', { name: 'Edit Philharmonie stars' });
    await edit.getByRole('group', { name: 'Tier 1' }).getByLabel('From (in EUR)').fill('400.00');
    await edit.getByRole('button', { name: 'Add a tier' }).click();
    const silver = edit.getByRole('group', { name: 'Tier 2' });
    await silver.getByLabel('Tier name').fill('Silver');
    await choose(silver, page, 'Reached by', 'Tickets purchased');
    await silver.getByLabel('From (a count)').fill('1');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').filter({ hasText: 'Changes to “Philharmonie stars” saved.' }).waitFor();
    await row.filter({ hasText: 'Gold: Total spending from €400.00' }).filter({ hasText: /Silver: Tickets purchased from 1 ticket(?!s)/ }).waitFor();

    await page.getByRole('button', { name: 'Activate Philharmonie stars', exact: true }).click();
    await page.getByRole('status').filter({ hasText: '“Philharmonie stars” is active.' }).waitFor();
    await row.getByText('Active', { exact: true }).waitFor();
    await screenshot(page, 'loyalty-program-active');
    expect(await seriousViolations(page)).toEqual([]);

    const operator = platform.client(await platform.token({ tenant, roles: ['operator'] }));
    const listed = await operator<{ programs: Program[] }>('GET', '/v1/loyalty-programs');
    const created = listed.body.programs.find((p) => p.name === 'Philharmonie stars')!;
    const read = await operator<Program>('GET', `/v1/loyalty-programs/${created.programId}`);
    expect(read.body).toMatchObject({
      name: 'Philharmonie stars',
      unit: 'points',
      active: true,
      wording: { en: { one: 'star', other: 'stars' }, fr: { one: 'étoile', other: 'étoiles' } },
      currency: 'EUR',
      valueNumerator: 100,
      valueDenominator: 100,
      pointsValidityDays: 730,
      seasonTicketHoldersOnly: false,
      earnRules: [{ kind: 'per-amount', points: 1, perAmountMinor: 1000, scope: { productIds: null, families: null, channels: ['webshop', 'box-office'], pointsOfSale: null } }],
      tiers: [
        { name: 'Gold', criterion: 'total-spending', threshold: 40_000 },
        { name: 'Silver', criterion: 'tickets-purchased', threshold: 1 },
      ],
      productPrices: [],
    });

    // Cloned under another name: every setting, inactive.
    await page.getByRole('button', { name: 'Clone Philharmonie stars', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Clone Philharmonie stars' });
    await dialog.getByLabel('Name of the copy').fill('Philharmonie stars 2027');
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Clone', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'cloned as “Philharmonie stars 2027”' }).waitFor();
    const copy = (await operator<{ programs: Program[] }>('GET', '/v1/loyalty-programs')).body.programs.find((p) => p.name === 'Philharmonie stars 2027');
    expect(copy).toMatchObject({ active: false, wording: read.body.wording, tiers: read.body.tiers, earnRules: read.body.earnRules });
    await page.close();
  });

  it("tells a box-office login clearly that its role may not change a program, and the program stays as it was", async () => {
    const operator = platform.client(await platform.token({ tenant, roles: ['operator'] }));
    const made = await operator<Program>('POST', '/v1/loyalty-programs', { name: 'Box office view', unit: 'points', wording: { en: 'notes' }, currency: 'EUR' });
    expect(made.status).toBe(201);

    const page = await newPage();
    await logIn(page, web.url, await platform.token({ tenant, roles: ['box-office'], sub: 'bob' }));
    await page.waitForURL('**/back-office');
    await page.goto(`${web.url}/back-office/loyalty-programs`);
    await page.getByRole('button', { name: 'Activate Box office view', exact: true }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.getAttribute('data-problem-code')).toBe('FORBIDDEN');
    expect(await alert.textContent()).toContain('Your role does not allow this action.');
    await screenshot(page, 'loyalty-program-forbidden');
    expect(await seriousViolations(page)).toEqual([]);
    expect((await operator<Program>('GET', `/v1/loyalty-programs/${made.body.programId}`)).body.active).toBe(false);
    await page.close();
  });
});

describe('renewal runs', () => {
  it('starts a run of a season ticket set up through the API, says clearly when an id is wrong, and shows the report with the right counts', async () => {
    // Two layouts of one hall: the new one lacks A-1-3 and A-1-5 and adds A-1-4.
    const admin = platform.client(await platform.token({ tenant, roles: ['admin'] }));
    const made = async <T>(path: string, body: unknown): Promise<T> => {
      const r = await admin<T & Record<string, unknown>>('POST', path, body);
      if (r.status !== 201) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    const seat = (number: string) => ({ area: 'A', row: '1', number });
    const { spaceId } = await made<{ spaceId: string }>('/v1/spaces', { name: 'Grande salle' });
    const seasonOn = async (name: string, seats: string[], day: number) => {
      const { physicalConfigurationId } = await made<{ physicalConfigurationId: string }>('/v1/physical-configurations', { spaceId, name, seats: seats.map(seat) });
      const { logicalConfigurationId } = await made<{ logicalConfigurationId: string }>('/v1/logical-configurations', {
        physicalConfigurationId,
        name: `${name} concert`,
        seats: seats.map((s) => ({ ...seat(s), category: 'CAT1' })),
      });
      const { performanceId } = await made<{ performanceId: string }>('/v1/performances', { logicalConfigurationId, name, startsAt: new Date(Date.now() + day * 86_400_000).toISOString() });
      const { seasonTicketId } = await made<{ seasonTicketId: string }>('/v1/season-tickets', { name: `Season ${name}`, type: 'fixed-seat', quota: 10, performanceIds: [performanceId] });
      return { physicalConfigurationId, seasonTicketId };
    };
    const origin = await seasonOn('2025-2026', ['1', '2', '3', '5'], 10);
    const target = await seasonOn('2026-2027', ['1', '2', '4'], 400);
    for (const [contactId, number] of [
      ['anna', '1'],
      ['ben', '2'],
      ['chloe', '3'],
      ['david', '5'],
    ] as const) {
      await made(`/v1/season-tickets/${origin.seasonTicketId}/purchases`, {
        orderId: `order-${contactId}`,
        tickets: [{ contactId, seatCategory: 'CAT1', seats: [{ ...seat(number), physicalConfigurationId: origin.physicalConfigurationId }] }],
      });
    }

    const page = await operatorOn('Renewal runs');
    await page.getByText('No renewal run yet.').waitFor();

    const form = page.getByRole('form', { name: 'Start a renewal run' });
    await form.getByLabel('Run name').fill('Renewal 2026-2027');
    await form.getByLabel('Season ticket renewed').fill(origin.seasonTicketId);
    await form.getByLabel('New season ticket').fill('00000000-0000-4000-8000-000000000000');
    await choose(form, page, 'Reservations', 'Only for holders whose seat changed');
    await form.getByRole('button', { name: 'Start the run' }).click();
    const refused = form.getByRole('alert');
    await refused.waitFor();
    expect(await refused.getAttribute('data-problem-code')).toBe('RENEWAL_SEASON_TICKET_UNKNOWN');
    expect(await refused.textContent()).toContain('No season ticket with this id in your organisation');
    await screenshot(page, 'renewal-run-refused');
    expect(await seriousViolations(page)).toEqual([]);

    await form.getByLabel('New season ticket').fill(target.seasonTicketId);
    await form.getByRole('button', { name: 'Start the run' }).click();
    const report = page.getByTestId('run-report');
    await report.getByRole('heading', { name: 'Report of Renewal 2026-2027' }).waitFor();
    await report.getByText('Completed', { exact: true }).waitFor({ timeout: 60_000 });
    const total = async (id: string) => (await report.getByTestId(`total-${id}`).textContent())?.replace(/^\D+/, '');
    expect({ decided: await total('decided'), renewed: await total('renewed'), same: await total('same-seat'), changed: await total('seat-changed'), not: await total('not-renewed') }).toEqual({
      decided: '4',
      renewed: '3',
      same: '2',
      changed: '1',
      not: '1',
    });
    expect(await report.getByTestId('not-renewed-reasons').getByRole('row').allTextContents()).toEqual(['No seat found1']);
    const decision = (contactId: string) => report.getByTestId('renewal-decisions').getByRole('row', { name: new RegExp(`^${contactId}`) });
    expect(await decision('anna').textContent()).toContain('Renewed, same seat');
    expect(await decision('chloe').textContent()).toMatch(/Renewed, seat changed.*Reserved: to be paid.*A, row 1, seat 4 \(CAT1\), best free seat/);
    expect(await decision('david').textContent()).toContain('Not renewedNo seat found');
    const listed = page.getByTestId('renewal-runs').getByRole('row', { name: /Renewal 2026-2027/ });
    await listed.getByText('Completed').waitFor();
    await screenshot(page, 'renewal-run-report');
    expect(await seriousViolations(page)).toEqual([]);

    const operator = platform.client(await platform.token({ tenant, roles: ['operator'] }));
    const runs = await operator<{ runs: { runId: string; runKey: string; status: string; originSeasonTicketId: string; targetSeasonTicketId: string }[] }>('GET', '/v1/renewal-runs');
    expect(runs.body.runs).toEqual([
      expect.objectContaining({ runKey: 'Renewal 2026-2027', status: 'completed', originSeasonTicketId: origin.seasonTicketId, targetSeasonTicketId: target.seasonTicketId }),
    ]);
    const read = await operator('GET', `/v1/renewal-runs/${runs.body.runs[0]!.runId}`);
    expect(read.body).toMatchObject({ createReservation: 'SEAT_CHANGED_ONLY', renewed: 3, notRenewed: 1, seatChanges: 1, notRenewedByReason: { NO_SEAT_FOUND: 1 } });

    // At a phone's width the report still reads, tables scrolling sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    await report.getByTestId('total-renewed').scrollIntoViewIfNeeded();
    await screenshot(page, 'renewal-run-report-phone');
    expect(await seriousViolations(page)).toEqual([]);
    await page.close();
  });
});
