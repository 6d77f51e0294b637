import { Route } from 'react-router-dom';
import type { NavItem } from '../../components/Shell';
import { CheckoutPage } from './Checkout';
import { MyRewardsPage } from './MyRewards';
import { MyVouchersPage } from './MyVouchers';

export const fanNav: NavItem[] = [
  { to: '/me', label: 'My rewards' },
  { to: '/me/vouchers', label: 'My vouchers' },
  { to: '/me/checkout', label: 'Checkout' },
];

export const fanRoutes = (
  <>
    <Route index element={<MyRewardsPage />} />
    <Route path="vouchers" element={<MyVouchersPage />} />
    <Route path="checkout" element={<CheckoutPage />} />
  </>
);
