import { Anchor, Container, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router-dom';

export function NotFoundPage({ reason }: { reason?: string }) {
  return (
    <Container size="sm" py="xl" component="main" id="main">
      <Stack>
        <Title order={1} size="h2">
          {reason ? 'Not for this role' : 'Page not found'}
        </Title>
        <Text>{reason ?? 'There is no page at this address.'}</Text>
        <Anchor component={Link} to="/login">
          Back to the log-in page
        </Anchor>
      </Stack>
    </Container>
  );
}
