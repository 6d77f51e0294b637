import { Badge, Button, Group, Paper, Stack, Table, Tabs, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { RequiresRoutes } from '../../api/catalog';
import { useMutation, useQuery } from '../../api/hooks';
import { fill, routes, type RewardProgramView } from '../../api/routes';
import { DataTable } from '../../components/DataTable';
import { ProblemAlert } from '../../components/ProblemAlert';
import { QueryView } from '../../components/QueryView';
import { Analytics } from './RewardAnalytics';
import { RewardContacts } from './RewardContacts';
import { describeBenefit, describeCondition, useProgramCurrency } from './RewardEditor';

/**
 * Reward programs (seed 003): the list, then the chosen one's actions (edit, activate, clone),
 * its customers (eligible, grant, revoke) and its analytics. `?reward=` names the chosen one.
 */
export function RewardProgramsPage() {
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Reward programs</Title>
        <Button component={Link} to="/back-office/reward-programs/new">
          New reward program
        </Button>
      </Group>
      <RequiresRoutes routes={[`GET ${routes.rewardPrograms}`, `GET ${routes.rewardAnalytics}`]}>
        <Programs />
      </RequiresRoutes>
    </Stack>
  );
}

const validityText = (r: RewardProgramView) =>
  r.validity.kind === 'one-time' ? 'Once' : r.validity.kind === 'continuous' ? 'Continuous' : `Until ${new Date(r.validity.until).toLocaleDateString()}`;

function Programs() {
  const programs = useQuery<{ rewards: RewardProgramView[] }>(routes.rewardPrograms);
  const currency = useProgramCurrency() ?? 'EUR';
  const [params, setParams] = useSearchParams();
  const choose = (rewardId: string) => setParams({ reward: rewardId }, { replace: true });
  return (
    <QueryView query={programs} label="the reward programs">
      {({ rewards: all }) => {
        const chosen = all.find((r) => r.rewardId === params.get('reward')) ?? all[0];
        return (
          <Stack>
            <DataTable
              caption="Reward programs of the organisation"
              minWidth={720}
              empty="No reward program yet."
              columns={['Name', 'Reward', 'Conditions', 'Validity', 'State', 'Action']}
              rows={all}
              rowKey={(r) => r.rewardId}
              rowProps={(r) => ({ 'aria-current': r.rewardId === chosen?.rewardId ? 'true' : undefined })}
              cells={(r) => (
                <>
                  <Table.Td>
                    {r.name}
                    {r.campaign && (
                      <Text size="xs" c="gray.8">
                        Campaign {r.campaign}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>{describeBenefit(r.reward)}</Table.Td>
                  <Table.Td>{r.conditions.map((c) => describeCondition(c, currency)).join('; ')}</Table.Td>
                  <Table.Td>{validityText(r)}</Table.Td>
                  <Table.Td>
                    <Badge variant="filled" color={r.active ? 'teal.9' : 'gray.8'}>
                      {r.active ? 'Active' : 'Inactive'}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Button size="compact-sm" variant={r.rewardId === chosen?.rewardId ? 'filled' : 'light'} onClick={() => choose(r.rewardId)}>
                      Manage {r.name}
                    </Button>
                  </Table.Td>
                </>
              )}
            />
            {chosen && <Program key={chosen.rewardId} reward={chosen} currency={currency} onChanged={programs.reload} onCloned={(id) => {
                  choose(id);
                  programs.reload();
                }} />}
          </Stack>
        );
      }}
    </QueryView>
  );
}

/** One reward program: its actions, then its customers and analytics. */
function Program({ reward, currency, onChanged, onCloned }: { reward: RewardProgramView; currency: string; onChanged(): void; onCloned(rewardId: string): void }) {
  const activation = useMutation<{ active: boolean }, RewardProgramView>('POST', fill(routes.rewardActivation, { rewardId: reward.rewardId }));
  const clone = useMutation<{ name: string }, RewardProgramView>('POST', fill(routes.rewardClones, { rewardId: reward.rewardId }));
  const [copyName, setCopyName] = useState(`${reward.name} (copy)`);
  const fixedCurrency = reward.reward.type === 'fixed' ? reward.reward.currency : currency;

  const toggle = async () => {
    if (await activation.run({ active: !reward.active })) onChanged();
  };
  const submitClone = async (e: FormEvent) => {
    e.preventDefault();
    const copy = await clone.run({ name: copyName.trim() });
    if (copy) onCloned(copy.rewardId);
  };

  return (
    <Paper withBorder p="md">
      <Stack>
        <Group justify="space-between" wrap="wrap">
          <Title order={3} size="h4">
            {reward.name}
          </Title>
          <Group>
            <Button component={Link} to={`/back-office/reward-programs/${reward.rewardId}`} variant="light">
              Edit {reward.name}
            </Button>
            <Button onClick={() => void toggle()} loading={activation.pending} variant={reward.active ? 'default' : 'filled'}>
              {reward.active ? `Deactivate ${reward.name}` : `Activate ${reward.name}`}
            </Button>
          </Group>
        </Group>
        {activation.error !== undefined && <ProblemAlert error={activation.error} title={reward.active ? 'The reward was not deactivated' : 'The reward was not activated'} />}
        <Group align="end" component="form" onSubmit={(e: FormEvent) => void submitClone(e)} aria-label={`Clone ${reward.name}`}>
          <TextInput label="Name of the copy" required value={copyName} onChange={(e) => setCopyName(e.currentTarget.value)} />
          <Button type="submit" variant="light" loading={clone.pending} disabled={!copyName.trim()}>
            Clone
          </Button>
        </Group>
        {clone.error !== undefined && <ProblemAlert error={clone.error} title="The reward was not cloned" />}
        {/* Unmounted when hidden, so a grant made under Customers shows in the analytics. */}
        <Tabs defaultValue="analytics" keepMounted={false}>
          <Tabs.List>
            <Tabs.Tab value="analytics">Analytics</Tabs.Tab>
            <Tabs.Tab value="customers">Customers</Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="analytics" pt="md">
            <Analytics rewardId={reward.rewardId} currency={fixedCurrency} />
          </Tabs.Panel>
          <Tabs.Panel value="customers" pt="md">
            <RewardContacts reward={reward} />
          </Tabs.Panel>
        </Tabs>
      </Stack>
    </Paper>
  );
}
