import { Route } from 'react-router-dom';
import type { NavItem } from '../../components/Shell';
import { AreaPage } from '../AreaPage';
import { CheckoutPage } from './Checkout';
import { MyRewardsPage } from './MyRewards';

export const fanNav: NavItem[] = [
  { to: '/me', label: 'My rewards' },
  { to: '/me/vouchers', label: 'My vouchers' },
  { to: '/me/checkout', label: 'Checkout' },
];

export const fanRoutes = (
  <>
    <Route index element={<MyRewardsPage />} />
    <Route path="vouchers" element={<AreaPage title="My vouchers" tag="vouchers" what="Your gift vouchers, experience vouchers and credit notes with what is left on each." />} />
    <Route path="checkout" element={<CheckoutPage />} />
  </>
);
