import { Alert, Anchor, Button, Checkbox, Divider, Group, NumberInput, Paper, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { RequiresRoutes } from '../../api/catalog';
import { useMutation } from '../../api/hooks';
import { notAppliedMessage } from '../../api/problem';
import { fill, routes, toCart, type Cart, type CheckoutLine, type CheckoutRequest, type CheckoutView, type Quote } from '../../api/routes';
import { GiftIcon } from '../../components/GiftIcon';
import { ProblemAlert } from '../../components/ProblemAlert';
import { formatMoney } from '../../money';
import { PartnerPointsPayment } from './PartnerPoints';

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

/** As the promotion service compares codes: without case, spaces or dashes (people type them from emails and paper). */
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
    useCreditNote: false,
  }));
  const quote = useMutation<Cart, Quote>('POST', routes.checkoutQuote);
  const hold = useMutation<Cart & { orderId: string }, CheckoutView>('POST', routes.checkouts);
  const confirm = useMutation<undefined, CheckoutView>('POST', routes.checkoutConfirm);
  const [current, setCurrent] = useState<Quote>();
  const [orderId] = useState(() => crypto.randomUUID());
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
      const q = await runQuote(toCart(next, current?.balances.creditNoteMinor ?? 0));
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
    [runQuote, current],
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
    const held = await hold.run({ ...toCart(request, current?.balances.creditNoteMinor ?? 0), orderId });
    if (!held) return;
    const confirmed = await confirm.run(undefined, fill(routes.checkoutConfirm, { orderId: held.orderId }));
    if (confirmed) setDone(confirmed);
  };
  const reductions = (current?.lines ?? []).flatMap((l) => l.reductions);
  const forYou = reductions.filter((r) => r.source === 'reward' || r.source === 'single-use-code');

  const money = (amountMinor: number) => formatMoney({ amountMinor, currency: request.currency });

  if (done) {
    return (
      <Alert color="green" title="Thank you, your order is confirmed" role="status">
        <Stack gap="xs">
          <Text>Paid now: {money(done.quote.amountDueMinor)}.</Text>
          <Anchor component={Link} to="/me">
            See my rewards and balance
          </Anchor>
        </Stack>
      </Alert>
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
            {current && current.balances.creditNoteMinor > 0 && (
              <Checkbox
                label={`Use my credit note balance of ${money(current.balances.creditNoteMinor)}`}
                checked={request.useCreditNote}
                onChange={(e) => void tryChange({ ...request, useCreditNote: e.currentTarget.checked }, 'credit note')}
              />
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
                  {p.points !== undefined ? ` (${p.points.toLocaleString()} points)` : ''}
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
