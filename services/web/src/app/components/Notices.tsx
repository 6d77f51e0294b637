import { Alert } from '@mantine/core';
import type { ReactNode } from 'react';

/**
 * Mantine titles a green or yellow notice in shade 9 on the shade-1 tint: 3.8:1 and 2.7:1, below
 * AA contrast. The title takes the text colour; the tint still tells which kind of notice it is.
 */
const readableTitle = { title: { color: 'var(--mantine-color-text)' } };

/** Something done: an order confirmed, a voucher sold or redeemed. */
export function Success({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Alert color="green" variant="light" title={title} role="status" styles={readableTitle}>
      {children}
    </Alert>
  );
}

/** Something to know before going on: a program already in operation, a session that ended. */
export function Caution({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Alert color="yellow" variant="light" title={title} role="status" styles={readableTitle}>
      {children}
    </Alert>
  );
}
