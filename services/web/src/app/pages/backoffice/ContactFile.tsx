import { Anchor, Badge, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { Link, useLocation, useParams, useSearchParams } from 'react-router-dom';
import { RequiresRoutes } from '../../api/catalog';
import { useQuery } from '../../api/hooks';
import { fill, routes, type PartnerBalance, type PartnerView } from '../../api/routes';
import { MoneyText, PointsText } from '../../components/Amounts';
import { Success } from '../../components/Notices';
import { QueryView } from '../../components/QueryView';
import { useHasRole } from '../../session';
import { ContactLoyalty } from './ContactLoyalty';
import { NoActiveProgram, ProgramChoice, useActivePrograms } from './Contacts';
import { CreditNote, Vouchers } from './CustomerVouchers';
import { PreferredSeats } from './PreferredSeats';

/**
 * A contact seen from the till or the back office (seed 000): the loyalty balance in the
 * program's words and in money, tier progress and history, partner points, preferred seats,
 * vouchers and the credit note. Parts a role may not read or change are left out for it.
 */
export function ContactPage() {
  const { contactId = '' } = useParams();
  const [search, setSearch] = useSearchParams();
  const opened = (useLocation().state as { opened?: boolean } | null)?.opened;
  const { programs, active } = useActivePrograms();
  const program = active?.find((p) => p.programId === search.get('program')) ?? active?.[0];
  return (
    <Stack>
      <Anchor component={Link} to="/back-office/contacts" w="fit-content">
        Find another contact
      </Anchor>
      <Title order={2}>Contact {contactId}</Title>
      {opened !== undefined && (
        <Success title={opened ? 'Loyalty account opened' : 'This contact already had a loyalty account'}>
          <Text size="sm">{opened ? 'The customer earns points from now on.' : 'Nothing new was opened: this is their account.'}</Text>
        </Success>
      )}

      <Title order={3} size="h4">
        Loyalty
      </Title>
      <QueryView query={programs} label="the loyalty programs">
        {() =>
          program && active ? (
            <Stack>
              <ProgramChoice active={active} value={program.programId} onChange={(programId) => setSearch({ program: programId }, { replace: true })} />
              <ContactLoyalty key={program.programId} contactId={contactId} program={program} />
            </Stack>
          ) : (
            <NoActiveProgram />
          )
        }
      </QueryView>

      <Title order={3} size="h4">
        Partner points
      </Title>
      <PartnerPoints contactId={contactId} />

      <PreferredSeats contactId={contactId} />

      <Vouchers contactId={contactId} />
      <CreditNote contactId={contactId} currency={program?.currency ?? 'EUR'} />
    </Stack>
  );
}

/** The partner list is the operators' (the gateway's role for it): box office is told so rather than refused. */
function PartnerPoints({ contactId }: { contactId: string }) {
  const operator = useHasRole('operator');
  if (!operator) return <Text>Partner points are shown to operators, who manage the loyalty partners.</Text>;
  return (
    <RequiresRoutes routes={[`GET ${routes.partners}`, `GET ${routes.partnerBalance}`]}>
      <Partners contactId={contactId} />
    </RequiresRoutes>
  );
}

function Partners({ contactId }: { contactId: string }) {
  const partners = useQuery<{ partners: PartnerView[] }>(routes.partners);
  return (
    <QueryView query={partners} label="the partners">
      {({ partners: all }) => {
        const linked = all.filter((p) => p.active);
        if (linked.length === 0) return <Text>No loyalty partner is linked.</Text>;
        return (
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
            {linked.map((p) => (
              <Balance key={p.partnerId} partner={p} contactId={contactId} />
            ))}
          </SimpleGrid>
        );
      }}
    </QueryView>
  );
}

/** A partner's points with their money value, marked when the partner is down and the figure is the last one it gave. */
function Balance({ partner, contactId }: { partner: PartnerView; contactId: string }) {
  const balance = useQuery<PartnerBalance>(fill(routes.partnerBalance, { partnerId: partner.partnerId, contactId }));
  return (
    <QueryView query={balance} label={`the ${partner.name} points`}>
      {(b) => (
        <Card withBorder data-testid="partner-balance">
          <Group justify="space-between">
            <Text size="sm" fw={600}>
              {partner.name}
            </Text>
            {b.stale && (
              <Badge color="yellow.4" variant="filled" autoContrast>
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
