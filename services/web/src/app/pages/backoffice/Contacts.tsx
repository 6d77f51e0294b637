import { Badge, Button, Card, Group, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { RequiresRoutes } from '../../api/catalog';
import { useQuery } from '../../api/hooks';
import { fill, routes, type PartnerBalance, type PartnerView } from '../../api/routes';
import { MoneyText, PointsText } from '../../components/Amounts';
import { QueryView } from '../../components/QueryView';

/**
 * A contact seen from the back office or the till (seed 000): partner points with their money
 * value, marked when the partner is down and the figure is the last one it gave.
 */
export function ContactsPage() {
  return (
    <Stack>
      <Title order={2}>Contacts</Title>
      <Title order={3} size="h4">
        Partner points
      </Title>
      <RequiresRoutes routes={[`GET ${routes.partners}`, `GET ${routes.partnerBalance}`]}>
        <PartnerPoints />
      </RequiresRoutes>
    </Stack>
  );
}

function PartnerPoints() {
  const partners = useQuery<{ partners: PartnerView[] }>(routes.partners);
  const [partnerId, setPartnerId] = useState<string | null>(null);
  const [contactId, setContactId] = useState('');
  const [asked, setAsked] = useState<{ partnerId: string; contactId: string }>();
  return (
    <QueryView query={partners} label="the partners">
      {({ partners: all }) => {
        const chosen = partnerId ?? all[0]?.partnerId ?? null;
        return (
          <Stack>
            <Group
              align="end"
              component="form"
              aria-label="Look up a contact's partner points"
              onSubmit={(e: FormEvent) => {
                e.preventDefault();
                if (chosen && contactId.trim()) setAsked({ partnerId: chosen, contactId: contactId.trim() });
              }}
            >
              <Select label="Partner" data={all.map((p) => ({ value: p.partnerId, label: p.name }))} value={chosen} onChange={setPartnerId} allowDeselect={false} nothingFoundMessage="No partner" />
              <TextInput label="Contact id" required value={contactId} onChange={(e) => setContactId(e.currentTarget.value)} />
              <Button type="submit" variant="light" disabled={!chosen}>
                Show points
              </Button>
            </Group>
            {asked && <Balance {...asked} />}
          </Stack>
        );
      }}
    </QueryView>
  );
}

function Balance({ partnerId, contactId }: { partnerId: string; contactId: string }) {
  const balance = useQuery<PartnerBalance>(fill(routes.partnerBalance, { partnerId, contactId }));
  return (
    <QueryView query={balance} label="the partner points">
      {(b) => (
        <Card withBorder maw={420} data-testid="partner-balance">
          <Group justify="space-between">
            <Text size="sm">{b.contactId}</Text>
            {b.stale && (
              <Badge color="yellow" variant="light">
                partner unavailable: last known
              </Badge>
            )}
          </Group>
          <Text size="xl" fw={700}>
            <PointsText points={b.points} wording={b.wording} />
          </Text>
          <Text size="sm">
            worth <MoneyText money={b.value} /> · as of {new Date(b.asOf).toLocaleString()}
          </Text>
        </Card>
      )}
    </QueryView>
  );
}
