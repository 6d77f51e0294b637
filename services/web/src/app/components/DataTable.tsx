import { Table, Text, type TableTrProps } from '@mantine/core';
import type { Key, ReactNode } from 'react';

/** What a row may carry besides its cells: the row chosen (`aria-current`), a test id. */
export type DataRowProps = TableTrProps & { 'data-testid'?: string };

export interface DataTableProps<Row> {
  /** Says what the table lists; also names its scrolling region, unless `region` does. */
  caption: string;
  /** The scrolling region's name when it is shorter than the caption (screen readers and tests know it by this name). */
  region?: string;
  /** Column headers in order; `false` leaves a column out (one some roles only see). */
  columns: readonly (string | false)[];
  rows: readonly Row[];
  /** Unique among the rows; the index only where rows may repeat (as accounting lines). */
  rowKey(row: Row, index: number): Key;
  /** The row's `Table.Td` cells, one per column shown. */
  cells(row: Row): ReactNode;
  rowProps?(row: Row): DataRowProps;
  /** The cells of a closing row, as the totals under the code dashboard. */
  footer?: ReactNode;
  /** Below this width the table scrolls sideways inside its region instead of pushing the page. */
  minWidth: number;
  striped?: boolean;
  testId?: string;
  /** Said instead of a table with no row. */
  empty?: string;
}

/**
 * Every list of the back office is this one table, so each keeps the same markup: a caption, a header
 * row, and at a phone's width a sideways scroll inside a named region that Tab reaches, so the keyboard
 * can scroll it and a screen reader announces it.
 */
export function DataTable<Row>({ caption, region = caption, columns, rows, rowKey, cells, rowProps, footer, minWidth, striped = true, testId, empty }: DataTableProps<Row>) {
  if (empty !== undefined && rows.length === 0) return <Text>{empty}</Text>;
  return (
    <Table.ScrollContainer minWidth={minWidth} scrollAreaProps={{ viewportProps: { tabIndex: 0, role: 'region', 'aria-label': region } }}>
      <Table striped={striped} data-testid={testId}>
        <Table.Caption>{caption}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            {columns.map((c) => c !== false && <Table.Th key={c}>{c}</Table.Th>)}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row, index) => (
            <Table.Tr key={rowKey(row, index)} {...rowProps?.(row)}>
              {cells(row)}
            </Table.Tr>
          ))}
        </Table.Tbody>
        {footer !== undefined && (
          <Table.Tfoot>
            <Table.Tr>{footer}</Table.Tr>
          </Table.Tfoot>
        )}
      </Table>
    </Table.ScrollContainer>
  );
}
