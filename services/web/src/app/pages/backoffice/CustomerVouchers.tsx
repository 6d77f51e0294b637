import { Badge, Button, Group, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '../../api/hooks';
import { ApiProblem } from '../../api/problem';
import { fill, routes, type CreditNoteView, type VoucherDetail } from '../../api/routes';
import { MoneyText } from '../../components/Amounts';
import { DataTable } from '../../components/DataTable';
import { Success } from '../../components/Notices';
import { ProblemAlert } from '../../components/ProblemAlert';
import { QueryView } from '../../components/QueryView';
import { formatMoney, parseMinor } from '../../money';
import { useHasRole } from '../../session';
import { statusLabels } from '../fan/MyVouchers';
import { LedgerTable, VoucherFile } from './VoucherFile';
import { amountError } from './VoucherSale';

/** A customer's vouchers (by their code's end only) and their credit note in one currency. */
export function CustomerVouchers() {
  const [contactId, setContactId] = useState('');
  const [currency, setCurrency] = useState('EUR');
  const [asked, setAsked] = useState<{ contactId: string; currency: string }>();
  return (
    <Stack>
      <Group
        align="end"
        component="form"
        aria-label="Find a customer's vouchers"
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          setAsked({ contactId: contactId.trim(), currency: currency.trim().toUpperCase() });
        }}
      >
        <TextInput label="Customer (contact id)" required value={contactId} onChange={(e) => setContactId(e.currentTarget.value)} />
        <TextInput label="Currency of the credit note" required maxLength={3} value={currency} onChange={(e) => setCurrency(e.currentTarget.value.toUpperCase())} />
        <Button type="submit" variant="light">
          Show
        </Button>
      </Group>
      {asked && (
        <>
          <Vouchers key={asked.contactId} contactId={asked.contactId} />
          <CreditNote key={`${asked.contactId}/${asked.currency}`} {...asked} />
        </>
      )}
    </Stack>
  );
}

/** A customer's vouchers; a voucher's history is for operators (the route's role), so box office sees the list only. */
export function Vouchers({ contactId }: { contactId: string }) {
  const vouchers = useQuery<{ vouchers: VoucherDetail[] }>(fill(routes.contactVouchers, { contactId }));
  const [open, setOpen] = useState<string>();
  const operator = useHasRole('operator');
  return (
    <Stack>
      <Title order={3} size="h4">
        Vouchers
      </Title>
      <QueryView query={vouchers} label="the customer's vouchers">
        {({ vouchers: all }) => (
          <DataTable
            caption={`Vouchers of ${contactId}, soonest to expire first`}
            minWidth={640}
            testId="customer-vouchers"
            empty="No voucher for this customer."
            columns={['Code ending', 'Kind', 'State', 'Balance', 'Valid until', operator && 'History']}
            rows={all}
            rowKey={(v) => v.voucherId}
            cells={(v) => (
              <>
                <Table.Td ff="monospace">…{v.codeHint}</Table.Td>
                <Table.Td>{v.kind === 'financial' ? 'Gift' : 'Experience'}</Table.Td>
                <Table.Td>
                  <Badge variant="filled" color={statusLabels[v.status].color}>
                    {statusLabels[v.status].label}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <MoneyText money={{ amountMinor: v.balanceMinor, currency: v.currency }} />
                </Table.Td>
                <Table.Td>{new Date(v.validUntil).toLocaleDateString()}</Table.Td>
                {operator && (
                  <Table.Td>
                    <Button size="compact-sm" variant="subtle" onClick={() => setOpen(v.voucherId)} aria-pressed={open === v.voucherId}>
                      History of …{v.codeHint}
                    </Button>
                  </Table.Td>
                )}
              </>
            )}
          />
        )}
      </QueryView>
      {open && <VoucherFile key={open} voucherId={open} />}
    </Stack>
  );
}

/**
 * The credit note, its history, and part of it turned into loyalty points (seed 000's intermediate
 * step, an operator's route). A customer without one is the usual case, said plainly.
 */
export function CreditNote({ contactId, currency }: { contactId: string; currency: string }) {
  const note = useQuery<CreditNoteView>(fill(routes.contactCreditNote, { contactId, currency }));
  const operator = useHasRole('operator');
  const none = note.error instanceof ApiProblem && note.error.problem.code === 'CREDIT_NOTE_NOT_FOUND';
  return (
    <Stack>
      <Title order={3} size="h4">
        Credit note in {currency}
      </Title>
      {none ? (
        <Text>No credit note in {currency} for this customer.</Text>
      ) : (
        <QueryView query={note} label="the credit note">
          {(n) => (
            <Paper withBorder p="md" data-testid="credit-note">
              <Stack>
                <Text>
                  Balance{' '}
                  <Text span fw={700} data-testid="credit-note-balance">
                    <MoneyText money={{ amountMinor: n.balanceMinor, currency: n.currency }} />
                  </Text>
                  {n.heldMinor > 0 && `, of which ${formatMoney({ amountMinor: n.heldMinor, currency: n.currency })} is held by orders`}
                </Text>
                {operator && <ConvertToPoints note={n} onConverted={note.reload} />}
                <LedgerTable entries={n.entries} currency={n.currency} caption="History of the credit note" />
              </Stack>
            </Paper>
          )}
        </QueryView>
      )}
    </Stack>
  );
}

function ConvertToPoints({ note, onConverted }: { note: CreditNoteView; onConverted(): void }) {
  const [amount, setAmount] = useState('');
  const [programId, setProgramId] = useState('');
  const [invalid, setInvalid] = useState<string>();
  // The conversion's own id: a retried submit converts once.
  const [conversionId, setConversionId] = useState(() => crypto.randomUUID());
  const convert = useMutation<{ conversionId: string; amountMinor: number; currency: string; programId?: string }, CreditNoteView>(
    'POST',
    fill(routes.creditNoteConversions, { contactId: note.contactId }),
  );
  const [converted, setConverted] = useState<number>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const amountMinor = parseMinor(amount, note.currency) ?? 0;
    const error = amountError(amount, note.currency, '30.00') ?? (amountMinor > note.balanceMinor ? `At most the balance, ${formatMoney({ amountMinor: note.balanceMinor, currency: note.currency })}.` : undefined);
    setInvalid(error);
    if (error) return;
    const done = await convert.run({ conversionId, amountMinor, currency: note.currency, ...(programId.trim() ? { programId: programId.trim() } : {}) });
    if (!done) return;
    setConverted(amountMinor);
    setConversionId(crypto.randomUUID());
    setAmount('');
    onConverted();
  };
  return (
    <Stack gap="xs">
      <Group align="end" component="form" onSubmit={(e: FormEvent) => void submit(e)} aria-label="Convert part of the credit note to points">
        <TextInput
          label="Amount to convert to loyalty points"
          required
          inputMode="decimal"
          placeholder="30.00"
          value={amount}
          onChange={(e) => {
            setAmount(e.currentTarget.value);
            setInvalid(undefined);
          }}
          error={invalid}
        />
        <TextInput label="Loyalty program (optional)" description="The tenant's active program when empty" value={programId} onChange={(e) => setProgramId(e.currentTarget.value)} />
        <Button type="submit" variant="light" loading={convert.pending}>
          Convert to points
        </Button>
      </Group>
      {convert.error !== undefined && <ProblemAlert error={convert.error} title="Nothing was converted" />}
      {converted !== undefined && convert.error === undefined && (
        <Success title="Converted to points">
          <Text size="sm">{formatMoney({ amountMinor: converted, currency: note.currency })} converted: the points are credited to the customer’s loyalty account in a moment.</Text>
        </Success>
      )}
    </Stack>
  );
}
