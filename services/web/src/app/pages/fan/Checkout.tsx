import { Alert, Anchor, Button, Checkbox, Divider, Group, NumberInput, Paper, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { RequiresRoutes } from '../../api/catalog';
import { useMutation } from '../../api/hooks';
import { ApiProblem, notAppliedMessage, type Problem } from '../../api/problem';
import { fill, routes, toCart, type Cart, type CheckoutLine, type CheckoutRequest, type CheckoutView, type Quote, type VoucherDetail, type VoucherPayment } from '../../api/routes';
import { GiftIcon } from '../../components/GiftIcon';
import { Success } from '../../components/Notices';
import { ProblemAlert } from '../../components/ProblemAlert';
import { decimalString, formatMoney, parseMinor } from '../../money';
import { formatPoints } from '../../points';
import { PartnerPointsPayment } from './PartnerPoints';
import { userLocale } from '../../intl';

/**
 * The basket arrives from the ticket shop as `?basket=<JSON lines>`; without one, a sample
 * basket (seed 002's concert ticket) lets a person try the page.
 */
const sampleBasket: CheckoutLine[] = [{ lineId: 'line-1', productId: 'belle-helene', productFamily: 'event', label: 'La Belle Hélène · Category 1 · Full price', amountMinor: 8000 }];

const methodLabels: Record<Quote['payments'][number]['method'], string> = {
  points: 'Paid with points',
  voucher: 'Paid with a voucher',
  'credit-note': 'Paid from my credit note',
  'partner-points': 'Paid with partner points',
};
const sourceLabels: Record<string, string> = { advantage: 'Advantage', 'promo-code': 'Promo code', reward: 'Reward', 'single-use-code': 'Your code' };

function basketFrom(param: string | null): CheckoutLine[] {
  if (!param) return sampleBasket;
  try {
    const lines = JSON.parse(param) as (Omit<CheckoutLine, 'productId'> & { productId?: string })[];
    return Array.isArray(lines) && lines.length > 0 ? lines.map((l) => ({ ...l, productId: l.productId ?? l.lineId })) : sampleBasket;
  } catch {
    return sampleBasket;
  }
}

/** As the promotion and voucher services compare codes: without case, spaces or dashes (people type them from emails and paper). */
const normalizeCode = (typed: string) => typed.replace(/[\s-]+/g, '').toUpperCase();

/**
 * Why a code just typed did nothing. The quote names a single-use code by its text but a promo
 * code by its id, so a promo-code refusal the previous quote did not have is the new code's.
 */
function refusalOf(code: string, before: Quote | undefined, after: Quote): string | undefined {
  const earlier = new Set((before?.notApplied ?? []).map((n) => `${n.kind}/${n.ref}`));
  return after.notApplied.find((n) => (n.kind === 'code' && n.ref === code) || (n.kind === 'promo-code' && !earlier.has(`${n.kind}/${n.ref}`)))?.reason;
}

export function CheckoutPage() {
  return (
    <Stack>
      <Title order={2}>Checkout</Title>
      <RequiresRoutes routes={[`POST ${routes.checkoutQuote}`, `POST ${routes.checkouts}`, `POST ${routes.checkoutConfirm}`]}>
        <Checkout />
      </RequiresRoutes>
    </Stack>
  );
}

function Checkout() {
  const [params] = useSearchParams();
  const [request, setRequest] = useState<CheckoutRequest>(() => ({
    currency: params.get('currency') ?? 'EUR',
    channel: 'webshop',
    lines: basketFrom(params.get('basket')),
    codes: [],
    points: 0,
    vouchers: [],
    creditNoteMinor: 0,
  }));
  const quote = useMutation<Cart, Quote>('POST', routes.checkoutQuote);
  const hold = useMutation<Cart & { orderId: string }, CheckoutView>('POST', routes.checkouts);
  const confirm = useMutation<undefined, CheckoutView>('POST', routes.checkoutConfirm);
  const [current, setCurrent] = useState<Quote>();
  const [orderId, setOrderId] = useState(() => crypto.randomUUID());
  // A refused hold leaves that order failed for good: the next attempt, once the fan has changed something, is a new order.
  useEffect(() => {
    if (hold.error instanceof ApiProblem && hold.error.problem.status >= 400 && hold.error.problem.status < 500) setOrderId(crypto.randomUUID());
  }, [hold.error]);
  const [lastChange, setLastChange] = useState('basket');
  const [done, setDone] = useState<CheckoutView>();

  /**
   * A change is kept only when the gateway accepts it, so a refused code never lingers; `refusal`
   * finds, in an accepted quote, why the change did nothing (a code that expired, say).
   */
  const runQuote = quote.run;
  const [refused, setRefused] = useState<{ what: string; reason: string }>();
  const tryChange = useCallback(
    async (next: CheckoutRequest, what: string, refusal?: (q: Quote) => string | undefined) => {
      setLastChange(what);
      setRefused(undefined);
      const q = await runQuote(toCart(next));
      if (!q) return undefined;
      const reason = refusal?.(q);
      if (reason) {
        setRefused({ what, reason });
        return undefined;
      }
      setRequest(next);
      setCurrent(q);
      return q;
    },
    [runQuote],
  );
  const [initial] = useState(request);
  const [started, setStarted] = useState(false);
  useEffect(() => {
    if (started) return;
    setStarted(true);
    void tryChange(initial, 'basket');
  }, [tryChange, initial, started]);

  const [code, setCode] = useState('');
  const [points, setPoints] = useState<number | string>(0);

  const apply = async (e: FormEvent) => {
    e.preventDefault();
    const value = normalizeCode(code);
    if (!value) return;
    if (await tryChange({ ...request, codes: [...new Set([...request.codes, value])] }, `code ${value}`, (q) => refusalOf(value, current, q))) setCode('');
  };

  const pay = async () => {
    const held = await hold.run({ ...toCart(request), orderId });
    if (!held) return;
    const confirmed = await confirm.run(undefined, fill(routes.checkoutConfirm, { orderId: held.orderId }));
    if (confirmed) setDone(confirmed);
  };
  const reductions = (current?.lines ?? []).flatMap((l) => l.reductions);
  const forYou = reductions.filter((r) => r.source === 'reward' || r.source === 'single-use-code');

  const money = (amountMinor: number) => formatMoney({ amountMinor, currency: request.currency });

  if (done) {
    return (
      <Success title="Thank you, your order is confirmed">
        <Stack gap="xs">
          <Text>Paid now: {money(done.quote.amountDueMinor)}.</Text>
          <Anchor component={Link} to="/me">
            See my rewards and balance
          </Anchor>
        </Stack>
      </Success>
    );
  }

  return (
    <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
      <Stack>
        <Paper withBorder p="md">
          <Table captionSide="top">
            <Table.Caption>Your order</Table.Caption>
            <Table.Tbody>
              {request.lines.map((l) => (
                <Table.Tr key={l.lineId}>
                  <Table.Td>{l.label}</Table.Td>
                  <Table.Td ta="right">{money(l.amountMinor)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
        {forYou.length > 0 && (
          <Paper withBorder p="md">
            <Text fw={600}>Reserved for you</Text>
            {forYou.map((r) => (
              <Group key={`${r.source}/${r.ref}`} gap="xs">
                <GiftIcon label="Reserved for you" />
                <Text>{r.label ?? sourceLabels[r.source]}</Text>
              </Group>
            ))}
          </Paper>
        )}
        <Paper withBorder p="md">
          <Stack>
            <Group align="end" component="form" onSubmit={(e: FormEvent) => void apply(e)}>
              <TextInput label="Advantage or promo code" value={code} onChange={(e) => setCode(e.currentTarget.value)} spellCheck={false} autoComplete="off" />
              <Button type="submit" variant="light" loading={quote.pending && lastChange.startsWith('code')}>
                Apply code
              </Button>
            </Group>
            {request.codes.map((c) => (
              <Group key={c} gap="xs">
                <Text ff="monospace">{c}</Text>
                <Button size="compact-xs" variant="subtle" onClick={() => void tryChange({ ...request, codes: request.codes.filter((x) => x !== c) }, `removal of ${c}`)}>
                  Remove {c}
                </Button>
              </Group>
            ))}
            <Group
              align="end"
              component="form"
              onSubmit={(e: FormEvent) => {
                e.preventDefault();
                void tryChange({ ...request, points: Number(points) || 0 }, 'points');
              }}
            >
              <NumberInput
                label="Points to use"
                description={current?.balances.points ? `${current.balances.points.points.toLocaleString()} ${current.balances.points.wording} available` : undefined}
                min={0}
                max={current?.balances.points?.points}
                allowDecimal={false}
                value={points}
                onChange={setPoints}
              />
              <Button type="submit" variant="light">
                Use points
              </Button>
            </Group>
            {current && (
              <VoucherPayForm
                currency={request.currency}
                amountDueMinor={current.amountDueMinor}
                used={request.vouchers}
                pending={quote.pending && lastChange === 'voucher'}
                onUse={async (voucher) => !!(await tryChange({ ...request, vouchers: [...request.vouchers.filter((v) => v.code !== voucher.code), voucher] }, 'voucher'))}
              />
            )}
            {request.vouchers.map((v) => (
              <Group key={v.code} gap="xs" data-testid="voucher-used">
                <Text>
                  Voucher <Text span ff="monospace">…{v.code.slice(-4)}</Text>: {money(v.amountMinor)}
                </Text>
                <Button size="compact-xs" variant="subtle" onClick={() => void tryChange({ ...request, vouchers: request.vouchers.filter((x) => x !== v) }, `removal of voucher …${v.code.slice(-4)}`)}>
                  Remove voucher …{v.code.slice(-4)}
                </Button>
              </Group>
            ))}
            {current && current.balances.creditNoteMinor > 0 && (
              <Checkbox
                label={`Use my credit note (${money(current.balances.creditNoteMinor)} available)`}
                description={request.creditNoteMinor > 0 ? `${money(request.creditNoteMinor)} of it pays this order` : 'Pays as much of the amount due as it can'}
                checked={request.creditNoteMinor > 0}
                onChange={(e) => {
                  const creditNoteMinor = e.currentTarget.checked ? Math.min(current.balances.creditNoteMinor, current.amountDueMinor) : 0;
                  void tryChange({ ...request, creditNoteMinor }, 'credit note');
                }}
              />
            )}
            {current?.balances.creditNoteUnavailable && (
              <Alert color="yellow" variant="light" role="status" data-testid="credit-note-unavailable">
                Your credit note cannot be shown right now, so it cannot pay for this order. It is safe: try again in a moment or pay another way.
              </Alert>
            )}
            <PartnerPointsPayment quote={current} request={request} onChange={(next) => void tryChange(next, 'partner points')} />
            {quote.error !== undefined && <ProblemAlert error={quote.error} title={`The ${lastChange} was not applied`} />}
            {refused && (
              <Alert color="red" variant="light" role="alert" title={`The ${refused.what} was not applied`} data-not-applied={refused.reason}>
                <Text size="sm">{notAppliedMessage(refused.reason)}</Text>
              </Alert>
            )}
          </Stack>
        </Paper>
      </Stack>
      <Paper withBorder p="md" aria-live="polite">
        {current && (
          <Stack gap="xs" data-testid="summary">
            <Group justify="space-between">
              <Text>Subtotal</Text>
              <Text>{money(current.subtotalMinor)}</Text>
            </Group>
            {reductions.map((r, n) => (
              <Group key={`${r.source}/${r.ref}/${n}`} justify="space-between">
                <Text>{r.label ?? sourceLabels[r.source]}</Text>
                <Text>−{money(r.amountMinor)}</Text>
              </Group>
            ))}
            {current.payments.map((p, n) => (
              <Group key={`${p.method}/${n}`} justify="space-between">
                <Text>
                  {methodLabels[p.method]}
                  {p.method === 'voucher' && p.ref ? ` ${p.ref}` : ''}
                  {p.points !== undefined ? ` (${formatPoints(p.points, undefined, userLocale())})` : ''}
                </Text>
                <Text>−{money(p.amountMinor)}</Text>
              </Group>
            ))}
            <Divider />
            <Group justify="space-between">
              <Text fw={700}>Amount due</Text>
              <Text fw={700} data-testid="amount-due">
                {money(current.amountDueMinor)}
              </Text>
            </Group>
            <Button mt="md" onClick={() => void pay()} loading={hold.pending || confirm.pending}>
              Confirm and pay {money(current.amountDueMinor)}
            </Button>
            {(hold.error ?? confirm.error) !== undefined && <ProblemAlert error={hold.error ?? confirm.error} title="The order was not confirmed" />}
          </Stack>
        )}
      </Paper>
    </SimpleGrid>
  );
}

/** Why a voucher that the gateway found cannot pay this order, in the words problem.ts has for the service's own refusals. */
function unusable(v: VoucherDetail, currency: string, now = new Date()): Problem | undefined {
  const refusal = (code: string, title: string): Problem => ({ status: 409, code, title });
  if (v.kind !== 'financial') return refusal('VOUCHER_WRONG_KIND', 'An experience voucher cannot pay an order');
  if (v.status === 'cancelled') return refusal('VOUCHER_CANCELLED', 'The voucher was cancelled');
  if (v.status === 'expired' || new Date(v.validUntil) <= now) return refusal('VOUCHER_EXPIRED', 'The voucher has expired');
  if (new Date(v.validFrom) > now) return refusal('VOUCHER_NOT_YET_VALID', 'The voucher is not valid yet');
  if (v.currency !== currency) return refusal('VOUCHER_CURRENCY_MISMATCH', `The voucher is in ${v.currency}`);
  if (v.status === 'redeemed' || v.balanceMinor === 0) return refusal('VOUCHER_USED_UP', 'Nothing is left on the voucher');
  return undefined;
}

/**
 * A voucher is checked by its code (and its PIN when the service asks for one) before it pays:
 * the quote takes the amount on trust and only the hold would refuse it, at the very end. The
 * amount offered is at most what is left on the voucher and what is still due.
 */
function VoucherPayForm({
  currency,
  amountDueMinor,
  used,
  pending,
  onUse,
}: {
  currency: string;
  amountDueMinor: number;
  used: VoucherPayment[];
  pending: boolean;
  onUse(voucher: VoucherPayment): Promise<boolean>;
}) {
  const check = useMutation<{ code: string; pin?: string }, VoucherDetail>('POST', routes.voucherBalance);
  const [code, setCode] = useState('');
  const [pin, setPin] = useState('');
  const [askPin, setAskPin] = useState(false);
  const [found, setFound] = useState<{ voucher: VoucherDetail; code: string; pin?: string }>();
  const [amount, setAmount] = useState('');
  const [invalid, setInvalid] = useState<string>();
  const money = (amountMinor: number) => formatMoney({ amountMinor, currency });

  const errorCode = check.error instanceof ApiProblem ? check.error.problem.code : undefined;
  useEffect(() => {
    if (errorCode === 'VOUCHER_PIN_REQUIRED' || errorCode === 'VOUCHER_PIN_INVALID') setAskPin(true);
  }, [errorCode]);

  // What this order already takes from the same voucher is given back when its amount is changed.
  const already = found ? (used.find((v) => v.code === found.code)?.amountMinor ?? 0) : 0;
  const maxMinor = found ? Math.min(found.voucher.balanceMinor, amountDueMinor + already) : 0;
  const refusal = found ? unusable(found.voucher, currency) : undefined;

  const submitCheck = async (e: FormEvent) => {
    e.preventDefault();
    const value = normalizeCode(code);
    if (!value) return;
    setFound(undefined);
    const typedPin = askPin && pin.trim() ? pin.trim() : undefined;
    const voucher = await check.run({ code: value, ...(typedPin ? { pin: typedPin } : {}) });
    if (!voucher) return;
    const max = Math.min(voucher.balanceMinor, amountDueMinor + (used.find((v) => v.code === value)?.amountMinor ?? 0));
    setFound({ voucher, code: value, ...(typedPin ? { pin: typedPin } : {}) });
    setAmount(max > 0 ? decimalString(max, currency) : '');
    setInvalid(undefined);
  };

  const submitUse = async (e: FormEvent) => {
    e.preventDefault();
    if (!found) return;
    const amountMinor = parseMinor(amount, currency);
    if (amountMinor === undefined || amountMinor <= 0) return setInvalid(`An amount in ${currency}, like 20.00.`);
    if (amountMinor > maxMinor) return setInvalid(`At most ${money(maxMinor)}: what is left on the voucher and still due.`);
    if (await onUse({ code: found.code, ...(found.pin ? { pin: found.pin } : {}), amountMinor })) {
      setFound(undefined);
      setCode('');
      setPin('');
      setAskPin(false);
      check.reset();
    }
  };

  return (
    <Stack gap="xs">
      <Group align="end" component="form" onSubmit={(e: FormEvent) => void submitCheck(e)} aria-label="Pay with a voucher">
        <TextInput
          label="Voucher code"
          value={code}
          onChange={(e) => {
            setCode(e.currentTarget.value);
            setAskPin(false);
            setFound(undefined);
            check.reset();
          }}
          spellCheck={false}
          autoComplete="off"
        />
        {askPin && (
          <TextInput label="Voucher PIN" description="4 to 8 digits" value={pin} onChange={(e) => setPin(e.currentTarget.value)} inputMode="numeric" autoComplete="off" type="password" required />
        )}
        <Button type="submit" variant="light" loading={check.pending}>
          Check voucher
        </Button>
      </Group>
      {check.error !== undefined &&
        (errorCode === 'VOUCHER_PIN_REQUIRED' ? (
          <Alert color="blue" variant="light" role="status" title="This voucher has a PIN">
            <Text size="sm">Type the voucher’s PIN, then check it again.</Text>
          </Alert>
        ) : (
          <ProblemAlert error={check.error} title="The voucher cannot be used" />
        ))}
      {found && refusal && <ProblemAlert error={new ApiProblem(refusal)} title="The voucher cannot be used" />}
      {found && !refusal && (
        <Group align="end" component="form" onSubmit={(e: FormEvent) => void submitUse(e)} aria-label="Amount from the voucher">
          <TextInput
            label="Amount to use from this voucher"
            description={`Voucher …${found.code.slice(-4)}: ${money(found.voucher.balanceMinor)} left, up to ${money(maxMinor)} for this order`}
            inputMode="decimal"
            value={amount}
            onChange={(e) => {
              setAmount(e.currentTarget.value);
              setInvalid(undefined);
            }}
            error={invalid}
            required
          />
          <Button type="submit" variant="light" loading={pending}>
            Use voucher
          </Button>
        </Group>
      )}
    </Stack>
  );
}
