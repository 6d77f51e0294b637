import { Badge, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { RequiresRoutes } from '../../api/catalog';
import { useQuery } from '../../api/hooks';
import { routes, type VoucherView } from '../../api/routes';
import { QueryView } from '../../components/QueryView';
import { formatMoney } from '../../money';

/** Dark shades under white text (a filled badge): AA contrast. A light badge of a shade is filled with it, text and all. */
export const statusLabels: Record<VoucherView['status'], { label: string; color: string }> = {
  active: { label: 'Active', color: 'teal.9' },
  redeemed: { label: 'Used up', color: 'gray.9' },
  expired: { label: 'Expired', color: 'gray.9' },
  cancelled: { label: 'Cancelled', color: 'red.9' },
};

/** The fan's vouchers with what is left on each, soonest to expire first; codes are shown by their hint only. */
export function MyVouchersPage() {
  const vouchers = useQuery<{ vouchers: VoucherView[] }>(routes.myVouchers);
  return (
    <Stack>
      <Title order={2}>My vouchers</Title>
      <RequiresRoutes routes={[`GET ${routes.myVouchers}`]}>
        <QueryView query={vouchers} label="your vouchers">
          {({ vouchers: all }) =>
            all.length === 0 ? (
              <Text>You have no voucher.</Text>
            ) : (
              <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }}>
                {all.map((v) => (
                  <Card key={v.voucherId} withBorder data-testid="voucher">
                    <Group justify="space-between">
                      <Text fw={600}>{v.kind === 'financial' ? 'Gift voucher' : 'Experience voucher'}</Text>
                      <Badge variant="filled" color={statusLabels[v.status].color}>
                        {statusLabels[v.status].label}
                      </Badge>
                    </Group>
                    <Text size="sm" ff="monospace">
                      Code ending {v.codeHint}
                    </Text>
                    {v.kind === 'financial' && (
                      <Text size="xl" fw={700}>
                        {formatMoney({ amountMinor: v.balanceMinor, currency: v.currency })}
                        <Text span size="sm" fw={400}>
                          {' '}
                          left of {formatMoney({ amountMinor: v.faceValueMinor, currency: v.currency })}
                        </Text>
                      </Text>
                    )}
                    <Text size="xs">valid until {new Date(v.validUntil).toLocaleDateString()}</Text>
                  </Card>
                ))}
              </SimpleGrid>
            )
          }
        </QueryView>
      </RequiresRoutes>
    </Stack>
  );
}
