import { Badge, Button, Group, Modal, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useMutation, useQuery } from '../../api/hooks';
import { fill, routes, type PreferredSeatView } from '../../api/routes';
import { DataTable } from '../../components/DataTable';
import { Success } from '../../components/Notices';
import { ProblemAlert } from '../../components/ProblemAlert';
import { QueryView } from '../../components/QueryView';
import { useHasRole } from '../../session';

const seatName = (s: PreferredSeatView) => `${s.area}, row ${s.row}, seat ${s.number}`;

/**
 * The seat a season-ticket purchase remembered for each venue layout (seed 004): offered first
 * at renewal and at the next purchase. Removing one is the operators' (the route's role).
 */
export function PreferredSeats({ contactId }: { contactId: string }) {
  const seats = useQuery<{ preferredSeats: PreferredSeatView[] }>(fill(routes.preferredSeats, { contactId }));
  const operator = useHasRole('operator');
  const [removed, setRemoved] = useState<string>();
  return (
    <Stack>
      <Title order={3} size="h4">
        Preferred seats
      </Title>
      {removed && (
        <Success title="Preferred seat removed">
          <Text size="sm">{removed} is no longer offered first. Tickets already bought are unchanged.</Text>
        </Success>
      )}
      <QueryView query={seats} label="the preferred seats">
        {({ preferredSeats }) => (
          <DataTable
            caption={`Preferred seats of ${contactId}`}
            minWidth={640}
            testId="preferred-seats"
            empty="No preferred seat: one is kept when the customer buys a fixed-seat season ticket."
            columns={['Seat', 'Venue layout', 'From order', 'Kept since', operator && 'Remove']}
            rows={preferredSeats}
            rowKey={(s) => s.physicalConfigurationId}
            cells={(s) => (
              <>
                <Table.Td>
                  {seatName(s)}
                  {!s.valid && (
                    <Badge ml="xs" color="gray.9" variant="filled">
                      no longer in the layout
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td>
                  {s.physicalConfigurationName ?? (
                    <>
                      Unknown layout{' '}
                      <Text span ff="monospace" fz="xs">
                        {s.physicalConfigurationId}
                      </Text>
                    </>
                  )}
                </Table.Td>
                <Table.Td>{s.fromOrderId}</Table.Td>
                <Table.Td>{new Date(s.storedAt).toLocaleDateString()}</Table.Td>
                {operator && (
                  <Table.Td>
                    <Remove
                      seat={s}
                      onRemoved={() => {
                        setRemoved(seatName(s));
                        seats.reload();
                      }}
                    />
                  </Table.Td>
                )}
              </>
            )}
          />
        )}
      </QueryView>
    </Stack>
  );
}

/** Asked first: the customer loses the seat offered first at renewal, which cannot be undone here. */
function Remove({ seat, onRemoved }: { seat: PreferredSeatView; onRemoved(): void }) {
  const [opened, setOpened] = useState(false);
  const remove = useMutation<undefined, { deleted: true }>('DELETE', fill(routes.preferredSeat, { contactId: seat.contactId, physicalConfigurationId: seat.physicalConfigurationId }));
  const confirm = async () => {
    if (await remove.run(undefined)) {
      setOpened(false);
      onRemoved();
    }
  };
  return (
    <>
      <Button size="compact-sm" color="red" variant="subtle" onClick={() => setOpened(true)} aria-label={`Remove the preferred seat ${seatName(seat)}`}>
        Remove
      </Button>
      <Modal opened={opened} onClose={() => setOpened(false)} title={`Remove the preferred seat ${seatName(seat)}?`} closeButtonProps={{ 'aria-label': 'Close' }}>
        <Stack>
          <Text size="sm">
            {seat.contactId} will no longer be offered this seat first, at the next renewal run or season-ticket purchase in{' '}
            {seat.physicalConfigurationName ? `the venue layout ${seat.physicalConfigurationName}` : 'this venue layout'}. Tickets already bought are not touched.
          </Text>
          {remove.error !== undefined && <ProblemAlert error={remove.error} title="The preferred seat was not removed" />}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setOpened(false)} data-autofocus>
              Keep the seat
            </Button>
            <Button color="red" loading={remove.pending} onClick={() => void confirm()}>
              Remove the seat
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
