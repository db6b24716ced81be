import uPlot from './vendor/uplot.js';
import type { Band } from './band.js';
import { count, dayToSeconds, usd } from './format.js';
import type { RateRow } from './vendor/client/index.js';

const HEIGHT = 340;
const AVERAGE_COLOUR = '#1f5fbf';
const BAND_FILL = 'rgba(31, 95, 191, 0.16)';
const COUNT_COLOUR = 'rgba(110, 110, 110, 0.35)';

/**
 * The daily average as a line (a gap on days without one), the band as a shaded area between its
 * edges, and the price count as bars on a second axis, drawn with uPlot. Days are UTC midnights and
 * shown in UTC, so a day is the same day in every time zone.
 */
export class RatesChart {
  readonly #container: HTMLElement;
  #plot: uPlot | undefined;

  constructor(container: HTMLElement) {
    this.#container = container;
    window.addEventListener('resize', () => this.#plot?.setSize({ width: this.#width(), height: HEIGHT }));
  }

  show(rows: RateRow[], band: Band): void {
    this.clear();
    const data: uPlot.AlignedData = [
      rows.map((row) => dayToSeconds(row.day)),
      rows.map((row) => row.average),
      rows.map((row) => band.upper.value(row)),
      rows.map((row) => band.lower.value(row)),
      rows.map((row) => row.count)
    ];
    const edge = (label: string): uPlot.Series => ({ label, stroke: BAND_FILL, width: 1, points: { show: false }, value: (_u, v) => usd(v) });
    this.#plot = new uPlot({
      width: this.#width(),
      height: HEIGHT,
      tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC'),
      scales: {
        // Half a day of room at each end, so the first and last day's bars are whole.
        x: { time: true, range: (_u, min, max) => [min - 43_200, max + 43_200] },
        // The count's bars keep to the lower third, under the prices.
        count: { range: (_u, _min, max) => [0, Math.max(max, 1) * 3] }
      },
      series: [
        { label: 'day', value: (_u, seconds) => (seconds === null ? '' : new Date(seconds * 1000).toISOString().slice(0, 10)) },
        { label: 'average', stroke: AVERAGE_COLOUR, width: 2, spanGaps: false, value: (_u, v) => usd(v) },
        edge(band.upper.label),
        edge(band.lower.label),
        {
          label: 'prices',
          scale: 'count',
          stroke: COUNT_COLOUR,
          fill: COUNT_COLOUR,
          paths: uPlot.paths.bars!({ size: [0.6, 24] }),
          points: { show: false },
          value: (_u, v) => (v === null ? '' : count(v))
        }
      ],
      bands: [{ series: [2, 3], fill: BAND_FILL }],
      axes: [
        {},
        { label: 'USD', size: 70, values: (_u, ticks) => ticks.map((tick) => usd(tick)) },
        { scale: 'count', side: 1, label: 'prices', grid: { show: false }, values: (_u, ticks) => ticks.map((tick) => (Number.isInteger(tick) ? count(tick) : '')) }
      ]
    }, data, this.#container);
    this.#container.dataset.days = String(rows.length);
    this.#container.hidden = false;
  }

  clear(): void {
    this.#plot?.destroy();
    this.#plot = undefined;
    delete this.#container.dataset.days;
    this.#container.hidden = true;
  }

  #width(): number {
    return Math.max(320, this.#container.parentElement?.clientWidth ?? 800);
  }
}
