import { Component, type ErrorInfo, type ReactNode } from 'react';
import { Button, Container, Stack, Title } from '@mantine/core';
import { ProblemAlert } from './ProblemAlert';

interface State {
  error?: unknown;
}

/** A rendering bug shows a message and a way back, never a blank page. */
export class ErrorBoundary extends Component<{ children: ReactNode; resetKey?: string }, State> {
  override state: State = {};

  static getDerivedStateFromError(error: unknown): State {
    return { error };
  }

  override componentDidUpdate(prev: { resetKey?: string }) {
    if (prev.resetKey !== this.props.resetKey && this.state.error !== undefined) this.setState({ error: undefined });
  }

  override componentDidCatch(_error: unknown, _info: ErrorInfo) {
    // Nothing to report to: the message on screen is the report.
  }

  override render() {
    if (this.state.error === undefined) return this.props.children;
    return (
      <Container size="sm" py="xl">
        <Stack>
          <Title order={2}>This page could not be shown</Title>
          <ProblemAlert error={this.state.error} />
          <Button onClick={() => this.setState({ error: undefined })} w="fit-content">
            Try again
          </Button>
        </Stack>
      </Container>
    );
  }
}
