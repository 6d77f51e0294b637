import { Stack, Text, Title } from '@mantine/core';
import { useCatalog } from '../api/catalog';

/**
 * An area whose screen waits for its gateway routes: says what it is for and lists the
 * operations of its OpenAPI tag already offered.
 */
export function AreaPage({ title, tag, what }: { title: string; tag: string; what: string }) {
  const offered = useCatalog().operations.filter((o) => o.tag.toLowerCase().startsWith(tag));
  return (
    <Stack>
      <Title order={2}>{title}</Title>
      <Text>{what}</Text>
      {offered.length === 0 ? (
        <Text role="status">The gateway does not offer the routes of this area yet.</Text>
      ) : (
        <Text role="status">
          Offered so far: {offered.map((o) => `${o.method} ${o.path}`).join(', ')}
        </Text>
      )}
    </Stack>
  );
}
