import { Anchor, AppShell, Badge, Burger, Button, Group, NavLink, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Link, Outlet, useLocation } from 'react-router-dom';
import { useSession } from '../session';
import { ErrorBoundary } from './ErrorBoundary';

export interface NavItem {
  to: string;
  label: string;
}

/**
 * The frame of both areas: a header with who is logged in, a navigation that folds behind a
 * burger at a phone's width, a skip link for keyboard users, and an error boundary per page.
 */
export function Shell({ area, nav }: { area: string; nav: NavItem[] }) {
  const [opened, { toggle, close }] = useDisclosure();
  const { claims, logout } = useSession();
  const { pathname } = useLocation();
  const current = nav.filter((n) => pathname === n.to || pathname.startsWith(`${n.to}/`)).sort((a, b) => b.to.length - a.to.length)[0];
  return (
    <AppShell header={{ height: 60 }} navbar={{ width: 250, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
      <Anchor href="#main" className="skip-link">
        Skip to content
      </Anchor>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={opened ? 'Close navigation' : 'Open navigation'} />
            <Title order={1} size="h4">
              {area}
            </Title>
          </Group>
          <Group gap="xs" wrap="nowrap">
            {claims && (
              <Text size="sm" visibleFrom="xs" data-testid="who">
                {claims.sub} · <Badge variant="light">{claims.tenant}</Badge>
              </Text>
            )}
            <Button variant="subtle" size="compact-sm" onClick={logout}>
              Log out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label={`${area} navigation`} component="nav">
        {nav.map((n) => (
          <NavLink
            key={n.to}
            component={Link}
            to={n.to}
            label={n.label}
            active={n === current}
            variant="filled"
            aria-current={n === current ? 'page' : undefined}
            onClick={close}
          />
        ))}
      </AppShell.Navbar>
      <AppShell.Main id="main" tabIndex={-1}>
        <ErrorBoundary resetKey={pathname}>
          <Outlet />
        </ErrorBoundary>
      </AppShell.Main>
    </AppShell>
  );
}
