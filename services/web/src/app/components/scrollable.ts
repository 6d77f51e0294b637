import type { ScrollAreaProps } from '@mantine/core';

/**
 * For a Table.ScrollContainer's `scrollAreaProps`: at a phone's width a wide table scrolls
 * sideways, and a keyboard user reaches that scrolling region with Tab (named, for screen readers).
 */
export const keyboardScrollable = (label: string): ScrollAreaProps => ({ viewportProps: { tabIndex: 0, role: 'region', 'aria-label': label } });
