import { Alert, Button, Code, Group, Stack, Text } from '@mantine/core';
import { ApiProblem, problemMessage } from '../api/problem';

/** Every failure shown the same way: a plain sentence, the gateway's detail, the stable code. */
export function ProblemAlert({ error, onRetry, title, note }: { error: unknown; onRetry?: () => void; title?: string; note?: string | undefined }) {
  const p =
    error instanceof ApiProblem
      ? error.problem
      : { status: 0, code: 'CLIENT_ERROR', title: 'Unexpected error', detail: error instanceof Error ? error.message : String(error) };
  const message = problemMessage(p);
  return (
    <Alert color="red" variant="light" title={title ?? p.title} role="alert" data-problem-code={p.code}>
      <Stack gap={6}>
        <Text size="sm">{message}</Text>
        {p.detail && p.detail !== message && (
          <Text size="sm" c="gray.8">
            {p.detail}
          </Text>
        )}
        {note && (
          <Text size="sm" c="gray.8" data-testid="problem-note">
            {note}
          </Text>
        )}
        <Group gap="xs" justify="space-between">
          <Text size="xs" c="gray.8">
            Code <Code>{p.code}</Code>
          </Text>
          {onRetry && (
            <Button size="xs" variant="filled" color="red.9" onClick={onRetry}>
              Try again
            </Button>
          )}
        </Group>
      </Stack>
    </Alert>
  );
}
