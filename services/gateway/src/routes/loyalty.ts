import {
  loyaltyAccountsAdjust,
  loyaltyAccountsFind,
  loyaltyAccountsGet,
  loyaltyAccountsHistory,
  loyaltyAccountsOpen,
  loyaltyMyRewards,
  loyaltyProgramsClone,
  loyaltyProgramsCreate,
  loyaltyProgramsGet,
  loyaltyProgramsList,
  loyaltyProgramsSetActive,
  loyaltyProgramsUpdate,
  loyaltyRewardsAnalytics,
  loyaltyRewardsClone,
  loyaltyRewardsCreate,
  loyaltyRewardsEligible,
  loyaltyRewardsGrant,
  loyaltyRewardsList,
  loyaltyRewardsRevoke,
  loyaltyRewardsSetActive,
  loyaltyRewardsUpdate,
  loyaltyTierProgress,
} from '@tlp/contracts';
import { forward } from './forward';

const programs = 'Loyalty programs';
const accounts = 'Loyalty accounts';
const rewards = 'Rewards';

export const loyaltyRoutes = [
  forward(loyaltyProgramsCreate, { method: 'post', path: '/loyalty-programs', tag: programs, summary: 'Create a loyalty program (inactive)', role: 'operator', status: 201 }),
  forward(loyaltyProgramsList, { method: 'get', path: '/loyalty-programs', tag: programs, summary: 'List loyalty programs', role: 'box-office' }),
  forward(loyaltyProgramsGet, { method: 'get', path: '/loyalty-programs/:programId', tag: programs, summary: 'A loyalty program', role: 'box-office' }),
  forward(loyaltyProgramsUpdate, { method: 'patch', path: '/loyalty-programs/:programId', tag: programs, summary: 'Edit wording, conversion, earn rules, tiers', role: 'operator' }),
  forward(loyaltyProgramsSetActive, { method: 'post', path: '/loyalty-programs/:programId/activation', tag: programs, summary: 'Activate or deactivate', role: 'operator' }),
  forward(loyaltyProgramsClone, { method: 'post', path: '/loyalty-programs/:programId/clones', tag: programs, summary: 'Clone a program', role: 'operator', status: 201 }),

  forward(loyaltyAccountsFind, { method: 'get', path: '/loyalty-accounts', tag: accounts, summary: 'Find an account by contact or phone (the till)', role: 'box-office' }),
  forward(loyaltyAccountsOpen, { method: 'post', path: '/loyalty-accounts', tag: accounts, summary: 'Open an account at the till (sends the welcome SMS event)', role: 'box-office' }),
  forward(loyaltyAccountsGet, { method: 'get', path: '/loyalty-accounts/:accountId', tag: accounts, summary: 'An account: balance in points and money, held, expiring', role: 'box-office' }),
  forward(loyaltyAccountsHistory, { method: 'get', path: '/loyalty-accounts/:accountId/history', tag: accounts, summary: "An account's ledger", role: 'box-office' }),
  forward(loyaltyAccountsAdjust, { method: 'post', path: '/loyalty-accounts/:accountId/adjustments', tag: accounts, summary: 'Adjust points with a reason', role: 'operator' }),
  forward(loyaltyAccountsFind, { method: 'get', path: '/me/loyalty-account', tag: accounts, summary: 'My balance in the program wording and in money', role: 'fan', contactField: 'contactId' }),
  forward(loyaltyTierProgress, { method: 'get', path: '/me/tier-progress', tag: accounts, summary: "My tier and how far the next one is (\"80% to Gold\")", role: 'fan', contactField: 'contactId' }),
  forward(loyaltyTierProgress, { method: 'get', path: '/contacts/:contactId/tier-progress', tag: accounts, summary: "A contact's tier progress", role: 'box-office' }),

  forward(loyaltyRewardsCreate, { method: 'post', path: '/rewards', tag: rewards, summary: 'Create a reward program (inactive)', role: 'operator', status: 201 }),
  forward(loyaltyRewardsList, { method: 'get', path: '/rewards', tag: rewards, summary: 'Search rewards by campaign, type or status', role: 'operator' }),
  forward(loyaltyRewardsUpdate, { method: 'patch', path: '/rewards/:rewardId', tag: rewards, summary: 'Edit a reward', role: 'operator' }),
  forward(loyaltyRewardsSetActive, { method: 'post', path: '/rewards/:rewardId/activation', tag: rewards, summary: 'Activate or deactivate a reward', role: 'operator' }),
  forward(loyaltyRewardsClone, { method: 'post', path: '/rewards/:rewardId/clones', tag: rewards, summary: 'Clone a reward', role: 'operator', status: 201 }),
  forward(loyaltyRewardsEligible, { method: 'get', path: '/rewards/:rewardId/eligible-contacts', tag: rewards, summary: 'Contacts who qualify', role: 'operator' }),
  forward(loyaltyRewardsGrant, { method: 'post', path: '/rewards/:rewardId/grants', tag: rewards, summary: 'Grant a reward to a contact', role: 'operator' }),
  forward(loyaltyRewardsRevoke, { method: 'post', path: '/rewards/:rewardId/revocations', tag: rewards, summary: "Revoke a contact's reward", role: 'operator' }),
  forward(loyaltyRewardsAnalytics, { method: 'get', path: '/rewards/:rewardId/analytics', tag: rewards, summary: 'Eligible, granted, used, redemption rate, discount given, usage by day', role: 'operator' }),
  forward(loyaltyMyRewards, { method: 'get', path: '/me/rewards', tag: rewards, summary: 'My rewards: active, used, expired', role: 'fan', contactField: 'contactId' }),
];
