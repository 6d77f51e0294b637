import { Button, Card, Group, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '../../api/hooks';
import { fill, routes, type LoyaltyAccountView, type LoyaltyEntry, type LoyaltyProgramView, type TierStanding } from '../../api/routes';
import { LoyaltyFigures, PointsText } from '../../components/Amounts';
import { Success } from '../../components/Notices';
import { ProblemAlert } from '../../components/ProblemAlert';
import { QueryView } from '../../components/QueryView';
import { TierProgress } from '../../components/TierProgress';
import { formatPoints, wordingFor, type Wording } from '../../points';
import { useHasRole } from '../../session';
import { isProblem, OpenAccount } from './Contacts';
import { HistoryTable } from './VoucherFile';
import { issuesOf } from './VoucherSale';
import { userLocale } from '../../intl';

/** The contact's account in one program, or the way to open one when they have none. */
export function ContactLoyalty({ contactId, program }: { contactId: string; program: LoyaltyProgramView }) {
  const account = useQuery<LoyaltyAccountView>(routes.loyaltyAccounts, { contactId, programId: program.programId });
  // After an adjustment the history and the tier progress are read again with the balance.
  const [version, setVersion] = useState(0);
  if (isProblem(account.error, 'ACCOUNT_NOT_FOUND')) {
    return (
      <Stack gap="xs">
        <Text>
          {contactId} has no account in {program.name} yet.
        </Text>
        <OpenAccount programId={program.programId} contactId={contactId} />
      </Stack>
    );
  }
  return (
    <QueryView query={account} label="the loyalty account">
      {(a) => (
        <Stack>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <BalanceCard account={a} programName={program.name} />
            {program.tiers.length > 0 && <Standing key={version} contactId={contactId} program={program} />}
          </SimpleGrid>
          <Adjustment
            account={a}
            onAdjusted={() => {
              account.reload();
              setVersion((v) => v + 1);
            }}
          />
          <History key={version} accountId={a.accountId} wording={a.wording} />
        </Stack>
      )}
    </QueryView>
  );
}

function BalanceCard({ account: a, programName }: { account: LoyaltyAccountView; programName: string }) {
  return (
    <Card withBorder data-testid="loyalty-balance">
      <Text size="sm">{programName}</Text>
      <LoyaltyFigures loyalty={a} />
      <Text size="sm" mt="xs" data-testid="loyalty-phone">
        {a.phone ? `Phone ${a.phone}` : 'No phone number on the account'} · member since {new Date(a.createdAt).toLocaleDateString()}
      </Text>
    </Card>
  );
}

function Standing({ contactId, program }: { contactId: string; program: LoyaltyProgramView }) {
  const standing = useQuery<TierStanding>(fill(routes.contactTierProgress, { contactId }), { programId: program.programId });
  return (
    <QueryView query={standing} label="the tier progress">
      {(s) => (
        <Card withBorder data-testid="tier-progress">
          <TierProgress standing={s} wording={program.wording} who={`${contactId} is`} currency={program.currency} />
        </Card>
      )}
    </QueryView>
  );
}

const entryLabels: Record<LoyaltyEntry['kind'], string> = {
  earn: 'Earned',
  hold: 'Held for an order',
  release: 'Hold released',
  capture: 'Spent on an order',
  expire: 'Expired',
  adjust: 'Adjusted',
  refund: 'Refunded',
  reverse: 'Earning reversed',
};

/** The gateway gives the newest lines up to a limit: "older lines" asks for more, up to its maximum. */
const historyPage = 20;
const historyMax = 500;

const signedPoints = (points: number, wording: Wording) => `${points < 0 ? '−' : '+'}${formatPoints(Math.abs(points), wording, userLocale())}`;

function History({ accountId, wording }: { accountId: string; wording: Wording }) {
  const [limit, setLimit] = useState(historyPage);
  const history = useQuery<{ entries: LoyaltyEntry[] }>(fill(routes.loyaltyAccountHistory, { accountId }), { limit });
  return (
    <Stack gap="xs">
      <Title order={4} size="h5">
        History
      </Title>
      <QueryView query={history} label="the account's history">
        {({ entries }) =>
          entries.length === 0 ? (
            <Text>Nothing earned or spent yet.</Text>
          ) : (
            <>
              <HistoryTable
                caption="History of the account, newest first"
                testId="loyalty-history"
                reference="Order or reason"
                lines={entries.map((e) => ({
                  id: e.entryId,
                  at: e.at,
                  what: entryLabels[e.kind],
                  change: signedPoints(e.points, wording),
                  after: <PointsText points={e.balanceAfter} wording={wording} />,
                  reference: [e.orderId && `Order ${e.orderId}`, e.reason].filter(Boolean).join(' · ') || '—',
                }))}
              />
              {entries.length === limit && limit < historyMax && (
                <Button variant="subtle" w="fit-content" loading={history.loading} onClick={() => setLimit((l) => Math.min(l + historyPage, historyMax))}>
                  Show older lines
                </Button>
              )}
            </>
          )
        }
      </QueryView>
    </Stack>
  );
}

/** A whole number of points, signed: "-50" removes. */
const pointsPattern = /^\s*([+\-−]?)\s*(\d{1,9})\s*$/;

/** An operator's correction with a reason (the route is the operators'); its own id makes a retried submit adjust once. */
function Adjustment({ account, onAdjusted }: { account: LoyaltyAccountView; onAdjusted(): void }) {
  const operator = useHasRole('operator');
  const [points, setPoints] = useState('');
  const [reason, setReason] = useState('');
  const [invalid, setInvalid] = useState<string>();
  const [adjustmentId, setAdjustmentId] = useState(() => crypto.randomUUID());
  const [done, setDone] = useState<{ points: number; after: LoyaltyAccountView }>();
  const adjust = useMutation<{ adjustmentId: string; points: number; reason: string }, LoyaltyAccountView>(
    'POST',
    fill(routes.loyaltyAdjustments, { accountId: account.accountId }),
  );
  if (!operator) return null;
  const unit = wordingFor(account.wording, userLocale());
  const issues = issuesOf(adjust.error);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const m = pointsPattern.exec(points);
    const change = m ? (m[1] === '-' || m[1] === '−' ? -1 : 1) * Number(m[2]) : 0;
    const error = change === 0 ? `A whole number of ${unit} other than 0, like 50 to add or -50 to remove.` : undefined;
    setInvalid(error);
    setDone(undefined);
    if (error || !reason.trim()) return;
    const after = await adjust.run({ adjustmentId, points: change, reason: reason.trim() });
    if (!after) return;
    setDone({ points: change, after });
    setAdjustmentId(crypto.randomUUID());
    setPoints('');
    setReason('');
    onAdjusted();
  };
  return (
    <Stack gap="xs">
      <Title order={4} size="h5">
        Adjust the balance
      </Title>
      <Group align="end" component="form" aria-label="Adjust the balance" onSubmit={(e: FormEvent) => void submit(e)}>
        <TextInput
          label={`Change in ${unit}`}
          description="Negative to remove, like -50"
          required
          inputMode="text"
          value={points}
          onChange={(e) => {
            setPoints(e.currentTarget.value);
            setInvalid(undefined);
          }}
          error={invalid ?? issues.points}
        />
        <TextInput label="Reason" description="Kept in the history" required value={reason} onChange={(e) => setReason(e.currentTarget.value)} error={issues.reason} />
        <Button type="submit" variant="light" loading={adjust.pending}>
          Adjust
        </Button>
      </Group>
      {adjust.error !== undefined && <ProblemAlert error={adjust.error} title="The balance was not adjusted" />}
      {done && adjust.error === undefined && (
        <Success title="Balance adjusted">
          <Text size="sm">
            {signedPoints(done.points, done.after.wording)}: the balance is now {formatPoints(done.after.balance, done.after.wording, userLocale())}.
          </Text>
        </Success>
      )}
    </Stack>
  );
}
