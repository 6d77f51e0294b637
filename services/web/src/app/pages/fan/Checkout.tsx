import { Alert, Anchor, Button, Checkbox, Divider, Group, NumberInput, Paper, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { RequiresRoutes } from '../../api/catalog';
import { useMutation } from '../../api/hooks';
import { fill, routes, type CheckoutLine, type CheckoutRequest, type CheckoutView, type QuoteView } from '../../api/routes';
import { GiftIcon } from '../../components/GiftIcon';
import { ProblemAlert } from '../../components/ProblemAlert';
import { formatMoney } from '../../money';

/**
 * The basket arrives from the ticket shop as `?basket=<JSON lines>`; without one, a sample
 * basket (seed 002's concert ticket) lets a person try the page.
 */
const sampleBasket: CheckoutLine[] = [{ lineId: 'line-1', productFamily: 'event', label: 'La Belle Hélène · Category 1 · Full price', amountMinor: 8000 }];

function basketFrom(param: string | null): CheckoutLine[] {
  if (!param) return sampleBasket;
  try {
    const lines = JSON.parse(param) as CheckoutLine[];
    return Array.isArray(lines) && lines.length > 0 ? lines : sampleBasket;
  } catch {
    return sampleBasket;
  }
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
    voucherCodes: [],
    useCreditNote: false,
  }));
  const quote = useMutation<CheckoutRequest, QuoteView>('POST', routes.checkoutQuote);
  const hold = useMutation<CheckoutRequest, CheckoutView>('POST', routes.checkouts);
  const confirm = useMutation<Record<string, never>, CheckoutView>('POST', routes.checkoutConfirm);
  const [current, setCurrent] = useState<QuoteView>();
  const [lastChange, setLastChange] = useState('basket');
  const [done, setDone] = useState<CheckoutView>();

  /** A change is kept only when the gateway accepts it, so a refused code never lingers. */
  const runQuote = quote.run;
  const tryChange = useCallback(
    async (next: CheckoutRequest, what: string) => {
      setLastChange(what);
      const q = await runQuote(next);
      if (q) {
        setRequest(next);
        setCurrent(q);
      }
      return q;
    },
    [runQuote],
  );
  const [initial] = useState(request);
  useEffect(() => {
    void tryChange(initial, 'basket');
  }, [tryChange, initial]);

  const [code, setCode] = useState('');
  const [voucher, setVoucher] = useState('');
  const [points, setPoints] = useState<number | string>(0);

  const apply = (kind: 'code' | 'voucher') => async (e: FormEvent) => {
    e.preventDefault();
    const value = (kind === 'code' ? code : voucher).trim().toUpperCase();
    if (!value) return;
    const next = kind === 'code' ? { ...request, codes: [...new Set([...request.codes, value])] } : { ...request, voucherCodes: [...new Set([...request.voucherCodes, value])] };
    if (await tryChange(next, kind === 'code' ? `code ${value}` : `voucher ${value}`)) (kind === 'code' ? setCode : setVoucher)('');
  };

  const pay = async () => {
    const held = await hold.run(request);
    if (!held) return;
    const confirmed = await confirm.run({}, fill(routes.checkoutConfirm, { checkoutId: held.checkoutId }));
    if (confirmed) setDone(confirmed);
  };

  const money = (amountMinor: number) => formatMoney({ amountMinor, currency: request.currency });

  if (done) {
    return (
      <Alert color="green" title="Thank you, your order is confirmed" role="status">
        <Stack gap="xs">
          <Text>Paid now: {money(done.quote.dueMinor)}.</Text>
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
        {current?.reservedAdvantages && current.reservedAdvantages.length > 0 && (
          <Paper withBorder p="md">
            <Text fw={600}>Reserved for you</Text>
            {current.reservedAdvantages.map((a) => (
              <Group key={a.advantageId} gap="xs">
                <GiftIcon label="Reserved for you" />
                <Text>{a.name}</Text>
              </Group>
            ))}
          </Paper>
        )}
        <Paper withBorder p="md">
          <Stack>
            <Group align="end" component="form" onSubmit={(e: FormEvent) => void apply('code')(e)}>
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
            <Group align="end" component="form" onSubmit={(e: FormEvent) => void apply('voucher')(e)}>
              <TextInput label="Voucher code" value={voucher} onChange={(e) => setVoucher(e.currentTarget.value)} spellCheck={false} autoComplete="off" />
              <Button type="submit" variant="light">
                Apply voucher
              </Button>
            </Group>
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
                description={current?.pointsAvailable !== undefined ? `${current.pointsAvailable.toLocaleString()} available` : undefined}
                min={0}
                max={current?.pointsAvailable}
                allowDecimal={false}
                value={points}
                onChange={setPoints}
              />
              <Button type="submit" variant="light">
                Use points
              </Button>
            </Group>
            {current?.creditNote && current.creditNote.amountMinor > 0 && (
              <Checkbox
                label={`Use my credit note balance of ${formatMoney(current.creditNote)}`}
                checked={request.useCreditNote}
                onChange={(e) => void tryChange({ ...request, useCreditNote: e.currentTarget.checked }, 'credit note')}
              />
            )}
            {quote.error !== undefined && <ProblemAlert error={quote.error} title={`The ${lastChange} was not applied`} />}
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
            {current.reductions.map((r) => (
              <Group key={`${r.source}/${r.ref}`} justify="space-between">
                <Text>{r.label}</Text>
                <Text>−{money(r.amountMinor)}</Text>
              </Group>
            ))}
            {current.payments.map((p) => (
              <Group key={`${p.method}/${p.label}`} justify="space-between">
                <Text>
                  {p.label}
                  {p.points !== undefined ? ` (${p.points.toLocaleString()} points)` : ''}
                </Text>
                <Text>−{money(p.amountMinor)}</Text>
              </Group>
            ))}
            <Divider />
            <Group justify="space-between">
              <Text fw={700}>Amount due</Text>
              <Text fw={700} data-testid="amount-due">
                {money(current.dueMinor)}
              </Text>
            </Group>
            <Button mt="md" onClick={() => void pay()} loading={hold.pending || confirm.pending}>
              Confirm and pay {money(current.dueMinor)}
            </Button>
            {(hold.error ?? confirm.error) !== undefined && <ProblemAlert error={hold.error ?? confirm.error} title="The order was not confirmed" />}
          </Stack>
        )}
      </Paper>
    </SimpleGrid>
  );
}
