import { Route } from 'react-router-dom';
import type { NavItem } from '../../components/Shell';
import { AreaPage } from '../AreaPage';
import { OverviewPage } from './Overview';

export const backOfficeNav: NavItem[] = [
  { to: '/back-office', label: 'Overview' },
  { to: '/back-office/loyalty-programs', label: 'Loyalty programs' },
  { to: '/back-office/reward-programs', label: 'Reward programs' },
  { to: '/back-office/advantages', label: 'Advantages & promo codes' },
  { to: '/back-office/codes', label: 'Single-use codes' },
  { to: '/back-office/vouchers', label: 'Vouchers & credit notes' },
  { to: '/back-office/contacts', label: 'Contacts' },
  { to: '/back-office/renewals', label: 'Renewal runs' },
  { to: '/back-office/partners', label: 'Partners & dead letters' },
];

export const backOfficeRoutes = (
  <>
    <Route index element={<OverviewPage />} />
    <Route path="advantages" element={<AreaPage title="Advantages & promo codes" tag="promotion" what="Advantages of the five target types and cart-wide promo codes, with a step-by-step editor." />} />
    <Route
      path="loyalty-programs"
      element={<AreaPage title="Loyalty programs" tag="loyalty" what="Programs with their wording, conversion to money, earn rules and tiers." />}
    />
    <Route
      path="reward-programs"
      element={<AreaPage title="Reward programs" tag="rewards" what="Create, clone, activate; eligible customers, grant and revoke; usage, redemption rate and discount charts." />}
    />
    <Route
      path="codes"
      element={<AreaPage title="Single-use codes" tag="promotion" what="Generate codes for an advantage, download the list, the dashboard per contact and advantage, tracking and invalidation." />}
    />
    <Route path="vouchers" element={<AreaPage title="Vouchers & credit notes" tag="vouchers" what="Gift and experience vouchers, credit notes and their conversion to points." />} />
    <Route path="contacts" element={<AreaPage title="Contacts" tag="contacts" what="Balances in points and money, partner points, history and preferred seats." />} />
    <Route path="renewals" element={<AreaPage title="Renewal runs" tag="renewal" what="Season-ticket renewal runs and their report." />} />
    <Route path="partners" element={<AreaPage title="Partners & dead letters" tag="partners" what="Partner status and failed events with replay." />} />
  </>
);
