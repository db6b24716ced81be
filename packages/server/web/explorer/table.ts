import type { Band, RowValue } from './band.js';
import { count, usd } from './format.js';
import type { RateRow } from './vendor/client/index.js';

/** The table's columns: the day, the average, the price count, min and max, then the band's own. */
function columns(band: Band): Array<RowValue & { format(value: number | null): string }> {
  return [
    { label: 'Average (USD)', value: (row) => row.average, format: usd },
    { label: 'Prices', value: (row) => row.count, format: (value) => count(value ?? 0) },
    { label: 'Min (USD)', value: (row) => row.min, format: usd },
    { label: 'Max (USD)', value: (row) => row.max, format: usd },
    ...band.columns.map((column) => ({ ...column, format: usd }))
  ];
}

/**
 * The chart's numbers as a table, one row per day. A null value is an empty cell marked as a gap
 * (a day without an average: fewer prices than min_count), as the chart leaves a gap there.
 */
export function renderTable(table: HTMLTableElement, rows: RateRow[], band: Band): void {
  const cols = columns(band);
  const head = document.createElement('tr');
  for (const label of ['Day', ...cols.map((column) => column.label)]) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = label;
    head.append(th);
  }
  table.tHead!.replaceChildren(head);
  const body = table.tBodies[0]!;
  body.replaceChildren(...rows.map((row) => {
    const tr = document.createElement('tr');
    if (row.average === null) tr.className = 'gap';
    const day = document.createElement('th');
    day.scope = 'row';
    day.textContent = row.day;
    tr.append(day);
    for (const column of cols) {
      const td = document.createElement('td');
      const value = column.value(row);
      td.textContent = column.format(value);
      if (value === null) td.className = 'gap';
      tr.append(td);
    }
    return tr;
  }));
  table.hidden = false;
}

export function clearTable(table: HTMLTableElement): void {
  table.tBodies[0]!.replaceChildren();
  table.hidden = true;
}
