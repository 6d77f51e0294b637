import { createTheme } from '@mantine/core';

/** System fonts only (nothing fetched), and a primary shade dark enough for AA contrast on white. */
export const theme = createTheme({
  primaryColor: 'indigo',
  primaryShade: 8,
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif',
  focusRing: 'always',
  respectReducedMotion: true,
});
