import { Button, Code, Container, Paper, Stack, Text, Textarea, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router-dom';
import { Caution } from '../components/Notices';
import { canUseBackOffice, isExpired, TokenUnreadable, type Claims } from '../claims';
import { useSession } from '../session';

/**
 * Local log-in: there is no token endpoint, so a person pastes a token minted by
 * `pnpm token`, and the screens follow its claims. The gateway verifies it on every call.
 */
export function LoginPage() {
  const session = useSession();
  const navigate = useNavigate();
  const from = (useLocation().state as { from?: string } | null)?.from;
  const [token, setToken] = useState('');
  const [error, setError] = useState<string>();

  if (session.claims && !error) return <Navigate to={homeFor(session.claims)} replace />;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    try {
      const claims = session.login(token);
      if (isExpired(claims, Date.now())) {
        session.logout();
        setError('This token has expired. Mint a new one.');
        return;
      }
      setError(undefined);
      navigate(from ?? homeFor(claims), { replace: true });
    } catch (err) {
      setError(err instanceof TokenUnreadable ? err.message : 'The token could not be read.');
    }
  };

  return (
    <Container size={560} py="xl">
      <Paper withBorder p="lg" radius="md" component="main" id="main">
        <form onSubmit={submit} aria-labelledby="login-title">
          <Stack>
            <Title order={1} size="h2" id="login-title">
              Log in
            </Title>
            {session.ended && (
              <Caution title="Session ended">The gateway refused the previous token. Paste a fresh one.</Caution>
            )}
            <Text size="sm">
              Paste an access token. For local use, mint one with <Code>pnpm token -- --tenant demo --role operator</Code> or{' '}
              <Code>pnpm token -- --tenant demo --role fan --contact c-1</Code>.
            </Text>
            <Textarea
              label="Access token"
              description="A JWT with the claims sub, tenant, roles and, for fans, contactId."
              required
              autosize
              minRows={4}
              value={token}
              onChange={(e) => setToken(e.currentTarget.value)}
              error={error}
              spellCheck={false}
              styles={{ input: { fontFamily: 'monospace', wordBreak: 'break-all' } }}
            />
            <Button type="submit" w="fit-content">
              Log in
            </Button>
          </Stack>
        </form>
      </Paper>
    </Container>
  );
}

export const homeFor = (claims: Claims) => (canUseBackOffice(claims) ? '/back-office' : '/me');
