import { Route } from 'react-router-dom';
import type { NavItem } from '../../components/Shell';
import { AdvantageEditor } from './AdvantageEditor';
import { AdvantagesPage } from './Advantages';
import { CodesPage } from './Codes';
import { ContactPage } from './ContactFile';
import { ContactsPage } from './Contacts';
import { LoyaltyProgramsPage } from './LoyaltyPrograms';
import { PartnersPage } from './Partners';
import { RenewalRunsPage } from './RenewalRuns';
import { PromoCodeEditorPage } from './PromoCodes';
import { RewardEditorPage } from './RewardEditor';
import { RewardProgramsPage } from './RewardPrograms';
import { OverviewPage } from './Overview';
import { VouchersPage } from './Vouchers';

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
    <Route path="advantages" element={<AdvantagesPage />} />
    <Route path="advantages/new" element={<AdvantageEditor />} />
    <Route path="loyalty-programs" element={<LoyaltyProgramsPage />} />
    <Route path="reward-programs" element={<RewardProgramsPage />} />
    <Route path="reward-programs/new" element={<RewardEditorPage />} />
    <Route path="reward-programs/:rewardId" element={<RewardEditorPage />} />
    <Route path="advantages/promo-codes/new" element={<PromoCodeEditorPage />} />
    <Route path="advantages/promo-codes/:promoCodeId" element={<PromoCodeEditorPage />} />
    <Route path="codes" element={<CodesPage />} />
    <Route path="vouchers" element={<VouchersPage />} />
    <Route path="contacts" element={<ContactsPage />} />
    <Route path="contacts/:contactId" element={<ContactPage />} />
    <Route path="renewals" element={<RenewalRunsPage />} />
    <Route path="partners" element={<PartnersPage />} />
  </>
);
