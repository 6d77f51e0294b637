import { Badge, Button, Checkbox, Group, Stack, Table, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { RequiresRoutes } from '../../api/catalog';
import { useMutation, useQuery } from '../../api/hooks';
import { fill, routes, type EligibleContact, type RewardGrantView, type RewardProgramView } from '../../api/routes';
import { DataTable } from '../../components/DataTable';
import { ProblemAlert } from '../../components/ProblemAlert';
import { QueryView } from '../../components/QueryView';

const grantStateLabels: Record<RewardGrantView['state'], string> = { active: 'granted', used: 'already used', revoked: 'revoked', expired: 'expired' };

/** Who qualifies for a reward, and granting or revoking it for one contact by hand. */
export function RewardContacts({ reward }: { reward: RewardProgramView }) {
  const ids = { rewardId: reward.rewardId };
  const eligible = useQuery<{ contacts: EligibleContact[] }>(fill(routes.rewardEligible, ids), { limit: 100 });
  const grant = useMutation<{ contactId: string; force: boolean }, RewardGrantView>('POST', fill(routes.rewardGrants, ids));
  const revoke = useMutation<{ contactId: string }, RewardGrantView>('POST', fill(routes.rewardRevocations, ids));
  const [contactId, setContactId] = useState('');
  const [force, setForce] = useState(false);
  const [done, setDone] = useState<RewardGrantView>();

  const act = async (action: 'grant' | 'revoke', who: string) => {
    setDone(undefined);
    grant.reset();
    revoke.reset();
    const result = action === 'grant' ? await grant.run({ contactId: who, force }) : await revoke.run({ contactId: who });
    if (!result) return;
    setDone(result);
    eligible.reload();
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const who = contactId.trim();
    // The submitter says which of the two buttons was pressed.
    const action = (e.nativeEvent as SubmitEvent).submitter?.getAttribute('value') === 'revoke' ? 'revoke' : 'grant';
    if (who) void act(action, who);
  };

  return (
    <Stack>
      <RequiresRoutes routes={[`GET ${routes.rewardEligible}`, `POST ${routes.rewardGrants}`, `POST ${routes.rewardRevocations}`]} />
      <Stack gap="xs" component="form" onSubmit={submit} aria-label={`Grant or revoke ${reward.name}`}>
        <Group align="end" wrap="wrap">
          <TextInput label="Contact id" required value={contactId} onChange={(e) => setContactId(e.currentTarget.value)} />
          <Button type="submit" value="grant" loading={grant.pending}>
            Grant
          </Button>
          <Button type="submit" value="revoke" variant="default" loading={revoke.pending}>
            Revoke
          </Button>
        </Group>
        <Checkbox label="Grant even if the contact does not meet the conditions" checked={force} onChange={(e) => setForce(e.currentTarget.checked)} />
      </Stack>
      {done && (
        <Text role="status" data-testid="grant-result">
          {reward.name} for {done.contactId}: {grantStateLabels[done.state]}.
        </Text>
      )}
      {grant.error !== undefined && <ProblemAlert error={grant.error} title="The reward was not granted" />}
      {revoke.error !== undefined && <ProblemAlert error={revoke.error} title="The reward was not revoked" />}
      <QueryView query={eligible} label="the eligible contacts">
        {({ contacts }) => (
          <DataTable
            caption="Contacts who meet the conditions or were granted the reward (first 100)"
            region="Eligible contacts"
            minWidth={420}
            testId="eligible-contacts"
            empty="No contact meets the conditions or holds this reward yet."
            columns={['Contact', 'Granted by hand', 'Action']}
            rows={contacts}
            rowKey={(c) => c.contactId}
            cells={(c) => (
              <>
                <Table.Td ff="monospace">{c.contactId}</Table.Td>
                <Table.Td>{c.granted ? <Badge variant="light">Granted</Badge> : 'No'}</Table.Td>
                <Table.Td>
                  {c.granted ? (
                    <Button size="compact-sm" variant="default" onClick={() => void act('revoke', c.contactId)}>
                      Revoke for {c.contactId}
                    </Button>
                  ) : (
                    <Button size="compact-sm" variant="light" onClick={() => void act('grant', c.contactId)}>
                      Grant to {c.contactId}
                    </Button>
                  )}
                </Table.Td>
              </>
            )}
          />
        )}
      </QueryView>
    </Stack>
  );
}
