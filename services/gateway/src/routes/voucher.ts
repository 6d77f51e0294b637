import {
  creditNotesConvert,
  creditNotesGet,
  experienceRedeem,
  experienceSell,
  voucherOpenProductsList,
  voucherOpenProductsSet,
  vouchersBalance,
  vouchersCancel,
  vouchersGet,
  vouchersOfContact,
  vouchersHistory,
  vouchersSell,
  voucherSettingsGet,
  voucherSettingsSet,
} from '@tlp/contracts';
import { forward } from './forward';

const tag = 'Vouchers and credit notes';

export const voucherRoutes = [
  forward(voucherSettingsSet, { method: 'put', path: '/voucher-settings', tag, summary: 'When VAT of experience vouchers is computed', role: 'admin' }),
  forward(voucherSettingsGet, { method: 'get', path: '/voucher-settings', tag, summary: 'The voucher set-up', role: 'operator' }),
  forward(voucherOpenProductsSet, { method: 'put', path: '/open-products', tag, summary: 'The open product of a VAT code and season', role: 'admin' }),
  forward(voucherOpenProductsList, { method: 'get', path: '/open-products', tag, summary: 'Open products per VAT code and season', role: 'operator' }),
  forward(vouchersSell, { method: 'post', path: '/vouchers', tag, summary: 'Sell a financial voucher (the code is shown once)', role: 'box-office', status: 201 }),
  forward(vouchersBalance, {
    method: 'post',
    path: '/voucher-balance',
    tag,
    summary: "A voucher's balance by code (and PIN); the code travels in the body, never in a URL",
    role: 'fan',
    rateLimit: 'attempts',
  }),
  forward(vouchersGet, { method: 'get', path: '/vouchers/:voucherId', tag, summary: 'A voucher', role: 'box-office' }),
  forward(vouchersOfContact, { method: 'get', path: '/contacts/:contactId/vouchers', tag, summary: "A contact's vouchers", role: 'box-office' }),
  forward(vouchersOfContact, { method: 'get', path: '/me/vouchers', tag, summary: 'My vouchers', role: 'fan', contactField: 'contactId' }),
  forward(vouchersHistory, { method: 'get', path: '/vouchers/:voucherId/history', tag, summary: "A voucher's full history", role: 'operator' }),
  forward(vouchersCancel, { method: 'post', path: '/vouchers/:voucherId/cancellation', tag, summary: 'Cancel a voucher', role: 'operator' }),
  forward(experienceSell, { method: 'post', path: '/experience-vouchers', tag, summary: 'Sell an experience voucher', role: 'box-office', status: 201 }),
  forward(experienceRedeem, {
    method: 'post',
    path: '/experience-vouchers/redemptions',
    tag,
    summary: 'Redeem an experience voucher for its ticket, with no payment',
    role: 'box-office',
    rateLimit: 'attempts',
  }),
  forward(creditNotesGet, { method: 'get', path: '/contacts/:contactId/credit-notes/:currency', tag, summary: "A contact's credit note and its history", role: 'box-office' }),
  forward(creditNotesGet, { method: 'get', path: '/me/credit-notes/:currency', tag, summary: 'My credit note', role: 'fan', contactField: 'contactId' }),
  forward(creditNotesConvert, {
    method: 'post',
    path: '/contacts/:contactId/credit-note-conversions',
    tag,
    summary: 'Turn part of a credit note into loyalty points',
    role: 'operator',
  }),
];
