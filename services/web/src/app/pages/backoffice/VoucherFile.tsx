import { Badge, Button, Group, Modal, Paper, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent, type ReactNode } from 'react';
import { useMutation, useQuery } from '../../api/hooks';
import { fill, routes, type AccountingLine, type LedgerEntry, type VoucherDetail, type VoucherHistory } from '../../api/routes';
import { MoneyText } from '../../components/Amounts';
import { DataTable } from '../../components/DataTable';
import { ProblemAlert } from '../../components/ProblemAlert';
import { QueryView } from '../../components/QueryView';
import { formatMoney } from '../../money';
import { statusLabels } from '../fan/MyVouchers';

const entryLabels: Record<LedgerEntry['type'], string> = {
  sale: 'Sale',
  credit: 'Credit',
  hold: 'Held for an order',
  release: 'Hold released',
  capture: 'Paid an order',
  expiry: 'Expired',
  cancellation: 'Cancelled',
  conversion: 'Converted to points',
};

const accountingLabels: Record<AccountingLine['kind'], string> = {
  revenue: 'Revenue',
  vat: 'VAT',
  'deferred-revenue': 'Deferred revenue',
  'open-product': 'Open product',
};

/** "+€50.00" / "−€20.00": a ledger change reads with its sign. */
export const signedMoney = (amountMinor: number, currency: string) =>
  `${amountMinor < 0 ? '−' : '+'}${formatMoney({ amountMinor: Math.abs(amountMinor), currency })}`;

const when = (iso: string) => new Date(iso).toLocaleString();

/** One change of a balance, whatever the balance counts (money, points), ready to read. */
export interface HistoryLine {
  id: string;
  at: string;
  what: string;
  change: string;
  after: ReactNode;
  reference: string;
}

/** A balance's changes: when, what, the signed change, the balance after, and the order (or reason) behind it. */
export function HistoryTable({ lines, caption, testId, reference = 'Order' }: { lines: HistoryLine[]; caption: string; testId: string; reference?: string }) {
  return (
    <DataTable
      caption={caption}
      minWidth={560}
      testId={testId}
      columns={['When', 'What', 'Change', 'Balance after', reference]}
      rows={lines}
      rowKey={(l) => l.id}
      cells={(l) => (
        <>
          <Table.Td>{when(l.at)}</Table.Td>
          <Table.Td>{l.what}</Table.Td>
          <Table.Td>{l.change}</Table.Td>
          <Table.Td>{l.after}</Table.Td>
          <Table.Td>{l.reference}</Table.Td>
        </>
      )}
    />
  );
}

/** Balance changes of a voucher or a credit note, newest last as the ledger wrote them. */
export function LedgerTable({ entries, currency, caption }: { entries: LedgerEntry[]; currency: string; caption: string }) {
  const lines = entries.map((e) => ({
    id: e.id,
    at: e.at,
    what: entryLabels[e.type],
    change: signedMoney(e.deltaMinor, currency),
    after: <MoneyText money={{ amountMinor: e.balanceAfterMinor, currency }} />,
    reference: e.orderId ?? '—',
  }));
  return <HistoryTable lines={lines} caption={caption} testId="ledger" />;
}

/** The accounting lines of an experience voucher's sale or redemption, as the voucher service booked them. */
export function AccountingTable({ lines, caption }: { lines: AccountingLine[]; caption: string }) {
  return (
    <DataTable
      caption={caption}
      minWidth={480}
      testId="accounting"
      columns={['Phase', 'Line', 'Reference', 'VAT code', 'Amount']}
      rows={lines}
      rowKey={(l, n) => `${l.phase}/${l.kind}/${l.ref}/${n}`}
      cells={(l) => (
        <>
          <Table.Td>{l.phase === 'sale' ? 'Sale' : 'Redemption'}</Table.Td>
          <Table.Td>{accountingLabels[l.kind]}</Table.Td>
          <Table.Td>{l.ref}</Table.Td>
          <Table.Td>{l.vatCode}</Table.Td>
          <Table.Td>{signedMoney(l.amountMinor, l.currency)}</Table.Td>
        </>
      )}
    />
  );
}

/** One voucher for the back office: its balance and state, its whole history, and its cancellation. */
export function VoucherFile({ voucherId }: { voucherId: string }) {
  const history = useQuery<VoucherHistory>(fill(routes.voucherHistory, { voucherId }));
  return (
    <QueryView query={history} label="the voucher's history">
      {({ voucher: v, entries, holds, accounting }) => (
        <Paper withBorder p="md" data-testid="voucher-file">
          <Stack>
            <Group justify="space-between">
              <Title order={3} size="h4">
                {v.kind === 'financial' ? 'Gift voucher' : 'Experience voucher'} <Text span ff="monospace">…{v.codeHint}</Text>
              </Title>
              <Badge variant="filled" color={statusLabels[v.status].color} data-testid="voucher-status">
                {statusLabels[v.status].label}
              </Badge>
            </Group>
            <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }}>
              <Figure label="Balance" testId="voucher-balance">
                <MoneyText money={{ amountMinor: v.balanceMinor, currency: v.currency }} />
              </Figure>
              <Figure label="Held by orders">
                <MoneyText money={{ amountMinor: v.heldMinor, currency: v.currency }} />
              </Figure>
              <Figure label="Face value">
                <MoneyText money={{ amountMinor: v.faceValueMinor, currency: v.currency }} />
              </Figure>
              <Figure label="Valid">
                {new Date(v.validFrom).toLocaleDateString()} – {new Date(v.validUntil).toLocaleDateString()}
              </Figure>
            </SimpleGrid>
            <Text size="sm">
              {v.pinProtected ? 'Protected by a PIN.' : 'No PIN.'} {v.contactId ? `Customer: ${v.contactId}.` : 'No customer named.'}
              {v.grant && ` Grants ${v.grant.quantity} × ${v.grant.productId} (${v.grant.audienceSubcategory}, ${v.grant.seatCategory}).`}
            </Text>
            {v.status === 'active' && <Cancel voucher={v} onCancelled={history.reload} />}
            <LedgerTable entries={entries} currency={v.currency} caption="History of the voucher" />
            {holds.length > 0 && (
              <DataTable
                caption="Holds by orders"
                minWidth={480}
                columns={['Order', 'Amount', 'State', 'Expires']}
                rows={holds}
                rowKey={(h) => h.holdId}
                cells={(h) => (
                  <>
                    <Table.Td>{h.orderId}</Table.Td>
                    <Table.Td>
                      <MoneyText money={{ amountMinor: h.amountMinor, currency: h.currency }} />
                    </Table.Td>
                    <Table.Td>{h.status}</Table.Td>
                    <Table.Td>{when(h.expiresAt)}</Table.Td>
                  </>
                )}
              />
            )}
            {accounting.length > 0 && <AccountingTable lines={accounting} caption="Accounting lines" />}
          </Stack>
        </Paper>
      )}
    </QueryView>
  );
}

function Figure({ label, testId, children }: { label: string; testId?: string; children: ReactNode }) {
  return (
    <Stack gap={0}>
      <Text size="sm" c="gray.8">
        {label}
      </Text>
      <Text size="lg" fw={700} data-testid={testId}>
        {children}
      </Text>
    </Stack>
  );
}

/** Cancelling voids what is left and cannot be undone, so it asks first, with a reason for the history. */
function Cancel({ voucher, onCancelled }: { voucher: VoucherDetail; onCancelled(): void }) {
  const [opened, setOpened] = useState(false);
  const [reason, setReason] = useState('');
  const cancel = useMutation<{ reason: string }, VoucherDetail>('POST', fill(routes.voucherCancellation, { voucherId: voucher.voucherId }));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await cancel.run({ reason: reason.trim() })) {
      setOpened(false);
      onCancelled();
    }
  };
  return (
    <>
      <Button color="red" variant="light" w="fit-content" onClick={() => setOpened(true)}>
        Cancel this voucher
      </Button>
      <Modal opened={opened} onClose={() => setOpened(false)} title={`Cancel voucher …${voucher.codeHint}?`} closeButtonProps={{ 'aria-label': 'Close' }}>
        <Stack component="form" onSubmit={(e: FormEvent) => void submit(e)}>
          <Text size="sm">
            The {formatMoney({ amountMinor: voucher.balanceMinor, currency: voucher.currency })} left is voided, orders holding part of it can no longer be confirmed, and
            the code stops working. This cannot be undone.
          </Text>
          <TextInput label="Reason" required value={reason} onChange={(e) => setReason(e.currentTarget.value)} data-autofocus />
          {cancel.error !== undefined && <ProblemAlert error={cancel.error} title="The voucher was not cancelled" />}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setOpened(false)}>
              Keep the voucher
            </Button>
            <Button type="submit" color="red" loading={cancel.pending} disabled={!reason.trim()}>
              Cancel the voucher
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
