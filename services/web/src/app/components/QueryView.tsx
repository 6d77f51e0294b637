import { Center, Loader } from '@mantine/core';
import type { ReactNode } from 'react';
import type { Query } from '../api/hooks';
import { ProblemAlert } from './ProblemAlert';

/** Loading, failure with a retry, or the data: the three states every screen has. */
export function QueryView<T>({ query, children, label }: { query: Query<T>; children: (data: T) => ReactNode; label: string }) {
  if (query.error !== undefined) {
    return <ProblemAlert error={query.error} onRetry={query.reload} title={`Could not load ${label}`} note={query.retrying ? 'Trying again by itself in a moment.' : undefined} />;
  }
  if (query.data === undefined) {
    return (
      <Center py="lg">
        <Loader role="status" aria-label={`Loading ${label}`} size="sm" />
      </Center>
    );
  }
  return <>{children(query.data)}</>;
}
