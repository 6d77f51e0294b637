import { Alert, Button, Group, Paper, Select, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router-dom';
import { RequiresRoutes } from '../../api/catalog';
import { useMutation, useQuery } from '../../api/hooks';
import { ApiProblem } from '../../api/problem';
import { routes, type LoyaltyAccountView, type LoyaltyProgramView, type OpenedAccount } from '../../api/routes';
import { ProblemAlert } from '../../components/ProblemAlert';
import { QueryView } from '../../components/QueryView';
import { issuesOf } from './VoucherSale';

/** The contact's page; the program travels along so the page shows the same account. */
export const contactPath = (contactId: string, programId?: string) =>
  `/back-office/contacts/${encodeURIComponent(contactId)}${programId ? `?program=${encodeURIComponent(programId)}` : ''}`;

/** What the loyalty service accepts as a phone number (packages/contracts loyalty.ts): spaces are dropped. */
const phonePattern = /^\+?[0-9 ]{6,20}$/;

/**
 * A phone number typed at the till, checked on submit as the loyalty service checks it; the
 * message goes as soon as the clerk types again.
 */
function usePhone(initial = '') {
  const [value, setValue] = useState(initial);
  const [invalid, setInvalid] = useState<string>();
  return {
    value,
    invalid,
    type(typed: string) {
      setValue(typed);
      setInvalid(undefined);
    },
    /** The number to send ('' when left out of an optional field), or undefined after saying why it is not one. */
    checked(required: boolean): string | undefined {
      const phone = value.trim();
      if (!phone && !required) return '';
      if (phonePattern.test(phone)) return phone;
      setInvalid('A phone number: 6 to 20 digits, spaces allowed, + in front for an international number.');
      return undefined;
    },
  };
}

function PhoneField({ phone, required, error }: { phone: ReturnType<typeof usePhone>; required: boolean; error?: string }) {
  return (
    <TextInput
      label="Phone number"
      type="tel"
      autoComplete="off"
      required={required}
      placeholder="+33 6 12 34 56 78"
      value={phone.value}
      onChange={(e) => phone.type(e.currentTarget.value)}
      error={phone.invalid ?? error}
    />
  );
}

export const isProblem = (error: unknown, code: string) => error instanceof ApiProblem && error.problem.code === code;

/** The tenant's active loyalty programs: accounts are found and opened in one of them. */
export function useActivePrograms() {
  const programs = useQuery<{ programs: LoyaltyProgramView[] }>(routes.loyaltyPrograms);
  const active = programs.data?.programs.filter((p) => p.active);
  return { programs, active };
}

/** The program to work in, asked only when the tenant runs several. */
export function ProgramChoice({ active, value, onChange }: { active: LoyaltyProgramView[]; value: string | undefined; onChange(programId: string): void }) {
  if (active.length < 2) return null;
  return (
    <Select
      label="Loyalty program"
      data={active.map((p) => ({ value: p.programId, label: p.name }))}
      value={value ?? active[0]?.programId ?? null}
      onChange={(v) => v && onChange(v)}
      allowDeselect={false}
      maw={360}
    />
  );
}

export function NoActiveProgram() {
  return (
    <Alert color="blue" variant="light" title="No active loyalty program" role="status">
      <Text size="sm">Loyalty accounts are found and opened once an operator activates a loyalty program.</Text>
    </Alert>
  );
}

/**
 * The till's first screen (seed 000): the customer gives a phone number; found, the clerk is on
 * their page, else opens an account on the spot. An operator can also go to a contact by id.
 */
export function ContactsPage() {
  const { programs, active } = useActivePrograms();
  const [programId, setProgramId] = useState<string>();
  const chosen = programId ?? active?.[0]?.programId;
  return (
    <Stack>
      <Title order={2}>Contacts</Title>
      <RequiresRoutes routes={[`GET ${routes.loyaltyAccounts}`, `POST ${routes.loyaltyAccounts}`]} />
      <QueryView query={programs} label="the loyalty programs">
        {() => (active?.length ? <ProgramChoice active={active} value={chosen} onChange={setProgramId} /> : <NoActiveProgram />)}
      </QueryView>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Paper withBorder p="md">
          <PhoneSearch key={chosen} programId={chosen} disabled={active?.length === 0} />
        </Paper>
        <Paper withBorder p="md">
          <GoToContact programId={chosen} />
        </Paper>
      </SimpleGrid>
    </Stack>
  );
}

function PhoneSearch({ programId, disabled }: { programId: string | undefined; disabled: boolean }) {
  const navigate = useNavigate();
  const phone = usePhone();
  const [asked, setAsked] = useState<string>();
  const found = useQuery<LoyaltyAccountView>(asked === undefined ? undefined : routes.loyaltyAccounts, asked === undefined ? undefined : { phone: asked, programId });
  const account = found.data;
  useEffect(() => {
    if (account) navigate(contactPath(account.contactId, account.programId));
  }, [account, navigate]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const typed = phone.checked(true);
    if (typed === undefined) return;
    if (asked === typed) found.reload();
    else setAsked(typed);
  };
  const nobody = asked !== undefined && !found.loading && isProblem(found.error, 'ACCOUNT_NOT_FOUND');
  return (
    <Stack>
      <Title order={3} size="h4">
        Find by phone number
      </Title>
      <Group align="end" component="form" aria-label="Find a loyalty account by phone number" onSubmit={submit}>
        <PhoneField phone={phone} required />
        <Button type="submit" loading={found.loading} disabled={disabled}>
          Find
        </Button>
      </Group>
      {nobody && (
        <>
          <Alert color="blue" variant="light" title={`Nobody has a loyalty account with the phone number ${asked}`} role="status">
            <Text size="sm">Open one now: the customer earns points from this sale on.</Text>
          </Alert>
          <OpenAccount programId={programId} phone={asked} />
        </>
      )}
      {found.error !== undefined && !nobody && !found.loading && <ProblemAlert error={found.error} title="The search did not work" onRetry={found.reload} />}
    </Stack>
  );
}

function GoToContact({ programId }: { programId: string | undefined }) {
  const navigate = useNavigate();
  const [contactId, setContactId] = useState('');
  return (
    <Stack>
      <Title order={3} size="h4">
        Go to a contact
      </Title>
      <Group
        align="end"
        component="form"
        aria-label="Go to a contact by id"
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          if (contactId.trim()) navigate(contactPath(contactId.trim(), programId));
        }}
      >
        <TextInput label="Contact id" description="The customer's id in the ticketing system" required value={contactId} onChange={(e) => setContactId(e.currentTarget.value)} />
        <Button type="submit" variant="light">
          Show the contact
        </Button>
      </Group>
    </Stack>
  );
}

/**
 * Opening an account at the till: by phone number, for a contact of the ticketing system. Sent
 * twice (a double click, a retry), it opens one account; a contact who already had one keeps it.
 */
export function OpenAccount({ programId, phone: givenPhone, contactId: givenContact }: { programId: string | undefined; phone?: string; contactId?: string }) {
  const navigate = useNavigate();
  const phone = usePhone(givenPhone);
  const [contactId, setContactId] = useState(givenContact ?? '');
  const open = useMutation<{ programId?: string; contactId: string; phone?: string }, OpenedAccount>('POST', routes.loyaltyAccounts);
  const issues = issuesOf(open.error);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const typed = phone.checked(givenContact === undefined);
    if (typed === undefined || !contactId.trim()) return;
    const opened = await open.run({ ...(programId ? { programId } : {}), contactId: contactId.trim(), ...(typed ? { phone: typed } : {}) });
    if (opened) navigate(contactPath(opened.contactId, opened.programId), { state: { opened: opened.created } });
  };
  return (
    <Stack gap="xs">
      <Group align="end" component="form" aria-label="Open a loyalty account" onSubmit={(e: FormEvent) => void submit(e)}>
        <PhoneField phone={phone} required={givenContact === undefined} error={issues.phone} />
        {givenContact === undefined && (
          <TextInput
            label="Customer (contact id)"
            description="The customer's id in the ticketing system"
            required
            value={contactId}
            onChange={(e) => setContactId(e.currentTarget.value)}
            error={issues.contactId}
          />
        )}
        <Button type="submit" loading={open.pending}>
          Open the account
        </Button>
      </Group>
      {open.error !== undefined && <ProblemAlert error={open.error} title="No account was opened" />}
    </Stack>
  );
}
