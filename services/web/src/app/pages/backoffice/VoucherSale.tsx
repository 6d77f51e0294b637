import { Button, Code, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { ApiProblem, fieldIssues } from '../../api/problem';
import { Success } from '../../components/Notices';
import type { SoldVoucher } from '../../api/routes';
import { formatMoney, parseMinor } from '../../money';

/** What every sale asks, gift or experience voucher alike. */
export interface SaleForm {
  currency: string;
  /** A date (YYYY-MM-DD): the voucher works until the end of that day. */
  validUntil: string;
  pin: string;
  contactId: string;
}

const inOneYear = () => {
  const d = new Date();
  d.setFullYear(d.getFullYear() + 1);
  return d.toISOString().slice(0, 10);
};
export const newSaleForm = (): SaleForm => ({ currency: 'EUR', validUntil: inOneYear(), pin: '', contactId: '' });

/** The sale's own fields of the contract; `saleId` makes a retried sale return the same voucher. */
export function saleInput(f: SaleForm, saleId: string) {
  return {
    saleId,
    currency: f.currency.trim().toUpperCase(),
    validUntil: new Date(`${f.validUntil}T23:59:59`).toISOString(),
    ...(f.pin.trim() ? { pin: f.pin.trim() } : {}),
    ...(f.contactId.trim() ? { contactId: f.contactId.trim() } : {}),
  };
}

/** The gateway's field messages of a refused form, by field name. */
export const issuesOf = (error: unknown): Record<string, string> => (error instanceof ApiProblem ? fieldIssues(error.problem) : {});

/** "A price in EUR, like 20.00." unless the text is a positive amount. */
export const amountError = (text: string, currency: string, like = '20.00'): string | undefined => {
  const minor = parseMinor(text, currency);
  return minor === undefined || minor <= 0 ? `An amount in ${currency || 'the currency'}, like ${like}.` : undefined;
};

export function SaleFields({ form, onChange, issues }: { form: SaleForm; onChange(f: SaleForm): void; issues: Record<string, string> }) {
  const set = <K extends keyof SaleForm>(k: K, v: SaleForm[K]) => onChange({ ...form, [k]: v });
  return (
    <>
      <TextInput label="Currency" required maxLength={3} value={form.currency} onChange={(e) => set('currency', e.currentTarget.value.toUpperCase())} error={issues.currency} />
      <TextInput type="date" label="Valid until" required value={form.validUntil} onChange={(e) => set('validUntil', e.currentTarget.value)} error={issues.validUntil} />
      <PasswordInput
        label="PIN (optional)"
        description="4 to 8 digits; the customer gives it with the code"
        inputMode="numeric"
        autoComplete="off"
        value={form.pin}
        onChange={(e) => set('pin', e.currentTarget.value)}
        error={issues.pin}
      />
      <TextInput label="Customer (optional)" description="The contact id, to list it among their vouchers" value={form.contactId} onChange={(e) => set('contactId', e.currentTarget.value)} error={issues.contactId} />
    </>
  );
}

/** The code exists in clear in the sale's answer only: it is shown once, here. */
export function SoldCode({ sold, onAnother }: { sold: SoldVoucher; onAnother(): void }) {
  return (
    <Success title="Voucher sold">
      <Stack gap="xs">
        <Text>Give this code to the customer now: it will not be shown again.</Text>
        <Code fz="xl" data-testid="sold-code" w="fit-content">
          {sold.code}
        </Code>
        <Text size="sm">
          {sold.kind === 'financial' ? `Value ${formatMoney({ amountMinor: sold.faceValueMinor, currency: sold.currency })}` : 'Experience voucher'}, valid until{' '}
          {new Date(sold.validUntil).toLocaleDateString()}
          {sold.pinProtected ? ', protected by its PIN' : ''}.
        </Text>
        <Button variant="light" w="fit-content" onClick={onAnother}>
          Sell another voucher
        </Button>
      </Stack>
    </Success>
  );
}
