/**
 * Vouchers and credit notes in Debian's Chromium against the running platform (nothing stubbed).
 * An operator sells a gift voucher on the back-office screen, finds it by its code with its
 * balance and history, and cancels another after confirming. A fan pays part of an order with
 * that voucher, and part of another with the credit note a refund gave her, sees the amount due
 * drop, confirms, and the balances read back through the API dropped by exactly what she used.
 * A wrong PIN and a voucher spent elsewhere before confirming get clear messages and change
 * nothing. Every page visited passes axe; each test saves a screenshot.
 */
import type { Page } from 'playwright-core';
import type { Platform } from '../harness';
import { logIn, screenshot, seriousViolations, startWebPlatform, type Browser, type WebPlatform, type WebServer } from './browser';

jest.setTimeout(240_000);

const tenant = 'theatre';
const contactId = 'fan-ines';
const inAYear = () => new Date(Date.now() + 365 * 86_400_000).toISOString();
let platform: Platform;
let web: WebServer;
let browser: Browser;
let world: WebPlatform | undefined;
type Call = ReturnType<Platform['client']>;
let admin: Call;
let fan: Call;

interface Voucher {
  voucherId: string;
  status: string;
  balanceMinor: number;
  heldMinor: number;
}

beforeAll(async () => {
  // PIN guesses and voucher checks share the tight "attempts" limit; the lock comes after 3 wrong PINs here.
  world = await startWebPlatform({
    label: 'web_vouchers',
    env: { gateway: { RATE_LIMIT_ATTEMPTS_PER_MIN: '1000' }, voucher: { VOUCHER_PIN_MAX_ATTEMPTS: '3' } },
  });
  ({ platform, web, browser } = world);
  admin = platform.client(await platform.token({ tenant, roles: ['admin'] }));
  fan = platform.client(await platform.token({ tenant, roles: ['fan'], contactId }));
}, 600_000);

afterAll(() => world?.stop());

async function newPage(width = 1280): Promise<Page> {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width, height: 900 });
  await page.emulateMedia({ reducedMotion: 'reduce' });
  return page;
}

const balanceOf = async (code: string, pin?: string) => (await admin<Voucher>('POST', '/v1/voucher-balance', { code, ...(pin ? { pin } : {}) })).body;

async function sell(saleId: string, valueMinor: number, extra: Record<string, string> = {}): Promise<{ code: string; voucherId: string }> {
  const sold = await admin<{ code: string; voucherId: string }>('POST', '/v1/vouchers', { saleId, currency: 'EUR', valueMinor, validUntil: inAYear(), ...extra });
  expect(sold.status).toBe(201);
  return sold.body;
}

async function fanAtCheckout(amountMinor: number, label: string): Promise<Page> {
  const page = await newPage();
  await logIn(page, web.url, await platform.token({ tenant, roles: ['fan'], contactId, sub: 'ines' }));
  await page.waitForURL('**/me');
  const basket = JSON.stringify([{ lineId: 'l1', productId: 'tosca', productFamily: 'event', label, amountMinor }]);
  await page.goto(`${web.url}/me/checkout?basket=${encodeURIComponent(basket)}`);
  return page;
}

const amountDue = (page: Page) => page.getByTestId('amount-due');

/** Sold on the screen in the first test, spent by the fan in the second. */
let giftCode = '';

describe('an operator and gift vouchers', () => {
  it('sells a voucher of 50.00 and is shown its code once, then finds it by code with its balance and history', async () => {
    const page = await newPage();
    await logIn(page, web.url, await platform.token({ tenant, roles: ['operator'], sub: 'oscar' }));
    await page.waitForURL('**/back-office');
    await page.getByRole('link', { name: 'Vouchers & credit notes' }).click();
    await page.getByRole('heading', { name: 'Vouchers & credit notes' }).waitFor();

    await page.getByLabel('Value').fill('50.00');
    await page.getByLabel('Customer (optional)').fill(contactId);
    await page.getByRole('button', { name: 'Sell the voucher' }).click();
    const sold = page.getByRole('status').filter({ hasText: 'Voucher sold' });
    await sold.waitFor();
    giftCode = ((await page.getByTestId('sold-code').textContent()) ?? '').trim();
    expect(giftCode).toMatch(/^[A-Z0-9-]{8,40}$/);
    expect(await sold.textContent()).toContain('Value €50.00');
    await screenshot(page, 'vouchers-sold');
    expect(await seriousViolations(page)).toEqual([]);

    // The platform has it, at 50.00, for her.
    expect(await balanceOf(giftCode)).toMatchObject({ status: 'active', balanceMinor: 5000, heldMinor: 0 });
    expect((await admin<{ vouchers: { codeHint: string }[] }>('GET', `/v1/contacts/${contactId}/vouchers`)).body.vouchers.map((v) => v.codeHint)).toContain(giftCode.slice(-4));

    // Sell another: the code is gone from the screen for good.
    await page.getByRole('button', { name: 'Sell another voucher' }).click();
    expect(await page.getByText(giftCode).count()).toBe(0);

    await page.getByRole('tab', { name: 'Find a voucher' }).click();
    await page.getByLabel('Voucher code').fill(giftCode.toLowerCase());
    await page.getByRole('button', { name: 'Find' }).click();
    const file = page.getByTestId('voucher-file');
    await file.waitFor();
    expect(await file.getByTestId('voucher-balance').textContent()).toBe('€50.00');
    expect(await file.getByTestId('voucher-status').textContent()).toBe('Active');
    const sale = file.getByTestId('ledger').getByRole('row', { name: /Sale/ });
    expect(await sale.getByRole('cell').allTextContents()).toEqual([expect.any(String), 'Sale', '+€50.00', '€50.00', '—']);
    await screenshot(page, 'vouchers-found');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('cancels a voucher only after confirming, and it is cancelled on the platform', async () => {
    const voucher = await sell('to-cancel', 2500);
    const page = await newPage();
    await logIn(page, web.url, await platform.token({ tenant, roles: ['operator'], sub: 'oscar' }));
    await page.waitForURL('**/back-office');
    await page.goto(`${web.url}/back-office/vouchers`);
    await page.getByRole('tab', { name: 'Find a voucher' }).click();
    await page.getByLabel('Voucher code').fill(voucher.code);
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByRole('button', { name: 'Cancel this voucher' }).click();
    const dialog = page.getByRole('dialog', { name: `Cancel voucher …${voucher.code.slice(-4)}?` });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('€25.00 left is voided');
    expect(await seriousViolations(page)).toEqual([]);
    // Changing one's mind changes nothing.
    await dialog.getByRole('button', { name: 'Keep the voucher' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect((await balanceOf(voucher.code)).status).toBe('active');

    await page.getByRole('button', { name: 'Cancel this voucher' }).click();
    await dialog.getByLabel('Reason').fill('Sold by mistake');
    await dialog.getByRole('button', { name: 'Cancel the voucher' }).click();
    await page.getByTestId('voucher-status').getByText('Cancelled').waitFor();
    expect(await page.getByTestId('voucher-balance').textContent()).toBe('€0.00');
    expect(await balanceOf(voucher.code)).toMatchObject({ status: 'cancelled', balanceMinor: 0 });
    await page.getByTestId('ledger').getByRole('row', { name: /Cancelled/ }).waitFor();
    await screenshot(page, 'vouchers-cancelled');
  });
});

describe('a fan paying with a voucher or her credit note', () => {
  it('pays part of an order with the voucher sold on the screen, sees the amount due drop, and its balance drops by exactly that', async () => {
    expect(giftCode).not.toBe('');
    const page = await fanAtCheckout(8000, 'Tosca · Stalls');
    await amountDue(page).getByText('€80.00').waitFor();

    await page.getByLabel('Voucher code').fill(giftCode);
    await page.getByRole('button', { name: 'Check voucher' }).click();
    // Offered: what is left on the voucher, and no more than is due.
    const amount = page.getByLabel('Amount to use from this voucher');
    await amount.waitFor();
    expect(await amount.inputValue()).toBe('50.00');
    await page.getByText('€50.00 left, up to €50.00 for this order').waitFor();
    await amount.fill('20.00');
    await page.getByRole('button', { name: 'Use voucher' }).click();
    await amountDue(page).getByText('€60.00').waitFor();
    expect(await page.getByTestId('summary').textContent()).toContain(`Paid with a voucher …${giftCode.slice(-4)}`);
    await screenshot(page, 'checkout-voucher');
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Confirm and pay €60.00' }).click();
    await page.getByText('Thank you, your order is confirmed').waitFor();
    expect(await page.getByText('Paid now: €60.00.').count()).toBe(1);
    expect(await balanceOf(giftCode)).toMatchObject({ status: 'active', balanceMinor: 3000, heldMinor: 0 });
    await screenshot(page, 'checkout-voucher-confirmed');
  });

  it('pays part of an order with the credit note a refund gave her, and the credit note drops by exactly that', async () => {
    // An earlier order of 40.00, refunded to her credit note through the box office.
    const cart = { orderId: 'order-earlier', channel: 'web', currency: 'EUR', lines: [{ lineId: 'l1', productId: 'programme', productFamily: 'service', unitPriceMinor: 4000, quantity: 1 }] };
    expect((await fan('POST', '/v1/checkout/holds', cart)).status).toBe(201);
    expect((await fan<{ state: string }>('POST', '/v1/checkout/order-earlier/confirmation')).body.state).toBe('confirmed');
    const refund = await admin('POST', '/v1/checkout/order-earlier/refunds', { refundId: 'refund-earlier', lines: [{ lineId: 'l1', amountMinor: 4000 }], split: { creditNote: 4000 } });
    expect(refund.status).toBe(201);
    expect((await fan<{ balanceMinor: number }>('GET', '/v1/me/credit-notes/EUR')).body.balanceMinor).toBe(4000);

    const page = await fanAtCheckout(10_000, 'Tosca · Balcony');
    await amountDue(page).getByText('€100.00').waitFor();
    // Ticked once the gateway has priced it.
    const useCreditNote = page.getByLabel('Use my credit note (€40.00 available)');
    await useCreditNote.click();
    await amountDue(page).getByText('€60.00').waitFor();
    expect(await useCreditNote.isChecked()).toBe(true);
    expect(await page.getByTestId('summary').textContent()).toContain('Paid from my credit note−€40.00');
    await screenshot(page, 'checkout-credit-note');
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Confirm and pay €60.00' }).click();
    await page.getByText('Thank you, your order is confirmed').waitFor();
    const note = (await fan<{ balanceMinor: number; heldMinor: number }>('GET', '/v1/me/credit-notes/EUR')).body;
    expect(note).toMatchObject({ balanceMinor: 0, heldMinor: 0 });
  });
});

describe('clear messages when a voucher is refused', () => {
  it('says a PIN is wrong, then that the voucher is locked, and nothing changes on the order or the voucher', async () => {
    const voucher = await sell('with-pin', 3000, { pin: '2468' });
    const page = await fanAtCheckout(5000, 'Tosca · Gallery');
    await amountDue(page).getByText('€50.00').waitFor();

    await page.getByLabel('Voucher code').fill(voucher.code);
    await page.getByRole('button', { name: 'Check voucher' }).click();
    await page.getByRole('status').filter({ hasText: 'This voucher has a PIN' }).waitFor();
    await page.getByLabel('Voucher PIN').fill('1357');
    await page.getByRole('button', { name: 'Check voucher' }).click();
    const wrong = page.getByRole('alert').filter({ hasText: 'The voucher cannot be used' });
    await wrong.waitFor();
    expect(await wrong.textContent()).toContain('The PIN does not match this voucher. 2 attempts left before it is locked.');
    expect(await page.getByLabel('Amount to use from this voucher').count()).toBe(0);
    expect(await amountDue(page).textContent()).toBe('€50.00');
    await screenshot(page, 'checkout-wrong-pin');
    expect(await seriousViolations(page)).toEqual([]);
    // Read by id: checking the right PIN would clear the count of wrong ones.
    expect((await admin<Voucher>('GET', `/v1/vouchers/${voucher.voucherId}`)).body).toMatchObject({ status: 'active', balanceMinor: 3000, heldMinor: 0 });

    // Two more wrong guesses lock it, and then even the right PIN is refused for a while.
    for (const guess of ['1111', '2222']) {
      await page.getByLabel('Voucher PIN').fill(guess);
      await page.getByRole('button', { name: 'Check voucher' }).click();
      await page.getByRole('alert').filter({ hasText: guess === '1111' ? 'One more wrong PIN locks it' : 'locked for a while' }).waitFor();
    }
    expect(await page.getByRole('alert').filter({ hasText: 'The voucher cannot be used' }).textContent()).toContain('Too many wrong PINs: this voucher is locked for a while.');
    expect(await amountDue(page).textContent()).toBe('€50.00');
    await screenshot(page, 'checkout-voucher-locked');
    expect((await admin<{ code: string }>('POST', '/v1/voucher-balance', { code: voucher.code, pin: '2468' })).body.code).toBe('VOUCHER_PIN_LOCKED');
  });

  it('says the balance is too low when the voucher was spent elsewhere before confirming, and keeps the checkout', async () => {
    const voucher = await sell('spent-elsewhere', 4000);
    const page = await fanAtCheckout(6000, 'Tosca · Box');
    await amountDue(page).getByText('€60.00').waitFor();
    await page.getByLabel('Voucher code').fill(voucher.code);
    await page.getByRole('button', { name: 'Check voucher' }).click();
    await page.getByLabel('Amount to use from this voucher').waitFor();
    await page.getByRole('button', { name: 'Use voucher' }).click();
    await amountDue(page).getByText('€20.00').waitFor();

    // Spent at the box office meanwhile: 30.00 of it pays another order.
    const elsewhere = { orderId: 'box-office-order', channel: 'box-office', currency: 'EUR', lines: [{ lineId: 'l1', productId: 'cd', productFamily: 'service', unitPriceMinor: 3000, quantity: 1 }], pay: { vouchers: [{ code: voucher.code, amountMinor: 3000 }] } };
    expect((await admin('POST', '/v1/checkout/holds', elsewhere)).status).toBe(201);
    expect((await admin<{ state: string }>('POST', '/v1/checkout/box-office-order/confirmation')).body.state).toBe('confirmed');

    await page.getByRole('button', { name: 'Confirm and pay €20.00' }).click();
    const refused = page.getByRole('alert').filter({ hasText: 'The order was not confirmed' });
    await refused.waitFor();
    expect(await refused.textContent()).toContain('The balance is too low for this amount. Lower the amount used.');
    expect(await page.getByRole('heading', { name: 'Checkout' }).isVisible()).toBe(true);
    expect(await amountDue(page).textContent()).toBe('€20.00');
    await screenshot(page, 'checkout-voucher-spent');
    expect(await seriousViolations(page)).toEqual([]);
    // Only the box office's 30.00 left the voucher; the refused order held nothing.
    expect(await balanceOf(voucher.code)).toMatchObject({ balanceMinor: 1000, heldMinor: 0 });

    // She lowers the voucher to what is left, and the new attempt goes through.
    await page.getByRole('button', { name: `Remove voucher …${voucher.code.slice(-4)}` }).click();
    await amountDue(page).getByText('€60.00').waitFor();
    await page.getByLabel('Voucher code').fill(voucher.code);
    await page.getByRole('button', { name: 'Check voucher' }).click();
    expect(await page.getByLabel('Amount to use from this voucher').inputValue()).toBe('10.00');
    await page.getByRole('button', { name: 'Use voucher' }).click();
    await amountDue(page).getByText('€50.00').waitFor();
    await page.getByRole('button', { name: 'Confirm and pay €50.00' }).click();
    await page.getByText('Thank you, your order is confirmed').waitFor();
    expect(await balanceOf(voucher.code)).toMatchObject({ balanceMinor: 0, heldMinor: 0 });
  });
});

describe("a customer's vouchers and credit note, and experience vouchers", () => {
  it("shows a customer's vouchers and credit note, and turns part of the credit note into points", async () => {
    expect(giftCode).not.toBe('');
    const cart = { orderId: 'order-later', channel: 'web', currency: 'EUR', lines: [{ lineId: 'l1', productId: 'programme', productFamily: 'service', unitPriceMinor: 2500, quantity: 1 }] };
    expect((await fan('POST', '/v1/checkout/holds', cart)).status).toBe(201);
    await fan('POST', '/v1/checkout/order-later/confirmation');
    expect((await admin('POST', '/v1/checkout/order-later/refunds', { refundId: 'refund-later', lines: [{ lineId: 'l1', amountMinor: 2500 }], split: { creditNote: 2500 } })).status).toBe(201);

    const page = await newPage(390);
    await logIn(page, web.url, await platform.token({ tenant, roles: ['operator'], sub: 'oscar' }));
    await page.waitForURL('**/back-office');
    await page.goto(`${web.url}/back-office/vouchers`);
    await page.getByRole('tab', { name: 'A customer’s vouchers & credit note' }).click();
    await page.getByLabel('Customer (contact id)').fill(contactId);
    await page.getByRole('button', { name: 'Show' }).click();
    const row = page.getByTestId('customer-vouchers').getByRole('row', { name: new RegExp(giftCode.slice(-4)) });
    await row.waitFor();
    expect(await row.textContent()).toContain('€30.00');
    expect(await page.getByTestId('credit-note-balance').textContent()).toBe('€25.00');

    await page.getByLabel('Amount to convert to loyalty points').fill('10.00');
    await page.getByRole('button', { name: 'Convert to points' }).click();
    await page.getByText('€10.00 converted').waitFor();
    await page.getByTestId('credit-note-balance').getByText('€15.00').waitFor();
    expect((await admin<{ balanceMinor: number }>('GET', `/v1/contacts/${contactId}/credit-notes/EUR`)).body.balanceMinor).toBe(1500);

    // The voucher's history from its row: the sale and the order it paid.
    await row.getByRole('button', { name: `History of …${giftCode.slice(-4)}` }).click();
    await page.getByTestId('voucher-file').getByRole('row', { name: /Paid an order/ }).waitFor();
    await screenshot(page, 'vouchers-customer-phone');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('sets when VAT is computed and an open product, sells an experience voucher and redeems it, showing the accounting lines', async () => {
    const page = await newPage();
    await logIn(page, web.url, await platform.token({ tenant, roles: ['admin'], sub: 'ada' }));
    await page.waitForURL('**/back-office');
    await page.goto(`${web.url}/back-office/vouchers`);
    await page.getByRole('tab', { name: 'Experience vouchers' }).click();

    await page.getByText('Not chosen yet').waitFor();
    await page.getByLabel('At sale', { exact: false }).check();
    await page.getByRole('form', { name: 'When VAT is computed' }).getByRole('button', { name: 'Save' }).click();
    await page.getByText('Not chosen yet').waitFor({ state: 'hidden' });
    expect((await admin<{ vatTiming: string }>('GET', '/v1/voucher-settings')).body.vatTiming).toBe('at-sale');

    const openProduct = page.getByRole('form', { name: 'Set an open product' });
    await openProduct.getByLabel('Season').fill('2026-2027');
    await openProduct.getByLabel('VAT code').fill('REDUCED');
    await openProduct.getByLabel('VAT rate (%)').fill('5.5');
    await openProduct.getByLabel('Open product').fill('open-2026');
    await openProduct.getByRole('button', { name: 'Save the open product' }).click();
    await page.getByRole('row', { name: /open-2026/ }).waitFor();
    expect(await page.getByRole('row', { name: /open-2026/ }).textContent()).toContain('5.5 %');

    const sale = page.getByRole('form', { name: 'Sell an experience voucher' });
    await sale.getByLabel('Price').fill('42.20');
    await sale.getByLabel('Season').fill('2026-2027');
    await sale.getByLabel('VAT code').fill('REDUCED');
    await sale.getByLabel('VAT rate today (%)').fill('5.5');
    await sale.getByLabel('Ticket product').fill('tosca');
    await sale.getByLabel('Audience subcategory').fill('adult');
    await sale.getByLabel('Seat category').fill('cat-1');
    await sale.getByRole('button', { name: 'Sell the experience voucher' }).click();
    await page.getByText('Voucher sold').waitFor();
    const code = ((await page.getByTestId('sold-code').textContent()) ?? '').trim();
    const saleLines = page.getByRole('table', { name: 'Accounting lines of the sale' });
    expect(await saleLines.getByRole('row').count()).toBeGreaterThan(1);
    expect(await saleLines.textContent()).toContain('VAT');
    await screenshot(page, 'vouchers-experience-sold');
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByLabel('Experience voucher code').fill(code);
    await page.getByRole('button', { name: 'Redeem' }).click();
    const redeemed = page.getByRole('status').filter({ hasText: 'Voucher redeemed' });
    await redeemed.waitFor();
    expect(await redeemed.textContent()).toContain('Give 1 × tosca (adult, cat-1)');
    await page.getByRole('table', { name: 'Accounting lines of the redemption' }).waitFor();
    await screenshot(page, 'vouchers-experience-redeemed');
    expect(await seriousViolations(page)).toEqual([]);
    // Redeemed once: the platform refuses it a second time, with the screen's wording.
    await page.getByLabel('Experience voucher code').fill(code);
    await page.getByRole('button', { name: 'Redeem' }).click();
    await page.getByRole('alert').filter({ hasText: 'This experience voucher was already redeemed.' }).waitFor();
  });
});

describe('the checkout while the voucher service is down', () => {
  it('tells the fan her credit note cannot be shown right now, and lets her pay another way', async () => {
    await platform.kill('voucher');
    try {
      const page = await fanAtCheckout(3_000, 'Tosca · Gallery');
      await amountDue(page).getByText('€30.00').waitFor();
      await page.getByTestId('credit-note-unavailable').getByText('Your credit note cannot be shown right now').waitFor();
      expect(await page.getByLabel(/Use my credit note/).count()).toBe(0);
      await screenshot(page, 'checkout-credit-note-unavailable');
      expect(await seriousViolations(page)).toEqual([]);
      await page.getByRole('button', { name: 'Confirm and pay €30.00' }).click();
      await page.getByText('Thank you, your order is confirmed').waitFor();
    } finally {
      await platform.restart('voucher');
    }
  });
});
