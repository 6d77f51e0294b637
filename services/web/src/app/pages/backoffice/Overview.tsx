import { Anchor, Badge, Card, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useCatalog } from '../../api/catalog';
import { DataTable } from '../../components/DataTable';
import { QueryView } from '../../components/QueryView';

/** The back office's home: what the gateway offers, by area, and where its docs are. */
export function OverviewPage() {
  const catalog = useCatalog();
  return (
    <Stack>
      <Title order={2}>Overview</Title>
      <QueryView query={catalog.query} label="the API description">
        {(doc) => {
          const byTag = new Map<string, number>();
          for (const o of catalog.operations) byTag.set(o.tag, (byTag.get(o.tag) ?? 0) + 1);
          return (
            <Stack>
              <Text>
                {doc.info?.title ?? 'API'} {doc.info?.version && <Badge variant="light">{doc.info.version}</Badge>} ·{' '}
                <Anchor href="/docs">API reference</Anchor>
              </Text>
              <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }}>
                {[...byTag.entries()].map(([tag, n]) => (
                  <Card key={tag} withBorder>
                    <Text fw={600}>{tag}</Text>
                    <Text size="sm">{n} operations</Text>
                  </Card>
                ))}
              </SimpleGrid>
              <DataTable
                caption="Operations offered by the gateway"
                minWidth={480}
                empty="The gateway offers no business route yet."
                columns={['Area', 'Operation', 'Summary']}
                rows={catalog.operations}
                rowKey={(o) => `${o.method} ${o.path}`}
                cells={(o) => (
                  <>
                    <Table.Td>{o.tag}</Table.Td>
                    <Table.Td>
                      <Group gap={4} wrap="nowrap">
                        <Badge size="sm" variant="outline">
                          {o.method}
                        </Badge>
                        <Text size="sm" ff="monospace">
                          {o.path}
                        </Text>
                      </Group>
                    </Table.Td>
                    <Table.Td>{o.summary}</Table.Td>
                  </>
                )}
              />
            </Stack>
          );
        }}
      </QueryView>
    </Stack>
  );
}
