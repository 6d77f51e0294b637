import '@mantine/core/styles.css';
import './app/app.css';
import { MantineProvider } from '@mantine/core';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router-dom';
import { App } from './app/App';
import { CatalogProvider } from './app/api/catalog';
import { ErrorBoundary } from './app/components/ErrorBoundary';
import { theme } from './app/theme';
import { SessionProvider } from './app/session';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="light">
      <ErrorBoundary>
        <BrowserRouter>
          <SessionProvider>
            <CatalogProvider>
              <App />
            </CatalogProvider>
          </SessionProvider>
        </BrowserRouter>
      </ErrorBoundary>
    </MantineProvider>
  </StrictMode>,
);
