import { loadApiKey, saveApiKey } from './api-key.js';
import { BAND } from './band.js';
import { RatesChart } from './chart.js';
import { describe, fillDatalist, loadLocations, type Location } from './locations.js';
import { problemOf, type Problem } from './problem.js';
import { isComplete, sameState, searchOf, stateFromSearch, type ExplorerState } from './state.js';
import { clearTable, renderTable } from './table.js';
import { RatestoreClient } from './vendor/client/index.js';
import { DEFAULT_MIN_COUNT } from './vendor/contract/index.js';

/**
 * The rates explorer: the form and the URL hold the same state; whenever it changes and is
 * complete, GET /v1/rates is asked (through @ratestore/client, the SDK's browser build) and its
 * answer drawn as a chart and a table, or its refusal shown as the server's problem (code and detail).
 */

/** Days with fewer prices get no average (the API's default, asked for explicitly so the caption can say it). */
const MIN_COUNT = DEFAULT_MIN_COUNT;

const element = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const form = element<HTMLFormElement>('query');
const fields = {
  origin: element<HTMLInputElement>('origin'),
  destination: element<HTMLInputElement>('destination'),
  dateFrom: element<HTMLInputElement>('date_from'),
  dateTo: element<HTMLInputElement>('date_to')
};
const keyField = element<HTMLInputElement>('api_key');
const keyBox = element<HTMLDetailsElement>('api-key');
const datalist = element<HTMLDataListElement>('locations');
const versionOut = element<HTMLElement>('data-version');
const caption = element<HTMLElement>('caption');
const hint = element<HTMLElement>('hint');
const problemBox = element<HTMLElement>('problem');
const table = element<HTMLTableElement>('rates');
const chart = new RatesChart(element<HTMLElement>('chart'));

/** The API is the server this page came from, under the same path (so a proxy's prefix is kept). */
const BASE_URL = new URL('.', document.baseURI).href;
let locations = new Map<string, Location>();
/** The rates request in flight; a newer one aborts it, so an old answer never overwrites a new one. */
let inFlight: AbortController | undefined;

/**
 * A client with the key of the key field. No retries: a person is waiting, and a refusal should
 * show at once (the client would otherwise ride out a restarting server for a minute).
 */
function client(): RatestoreClient {
  const apiKey = keyField.value.trim();
  return new RatestoreClient({ baseUrl: BASE_URL, retries: false, timeoutMs: 15_000, ...(apiKey === '' ? {} : { apiKey }) });
}

function formState(): ExplorerState {
  return { origin: fields.origin.value.trim(), destination: fields.destination.value.trim(), dateFrom: fields.dateFrom.value, dateTo: fields.dateTo.value };
}

function fillForm(state: ExplorerState): void {
  fields.origin.value = state.origin;
  fields.destination.value = state.destination;
  fields.dateFrom.value = state.dateFrom;
  fields.dateTo.value = state.dateTo;
}

function showProblem(problem: Problem | undefined): void {
  problemBox.hidden = problem === undefined;
  if (problem === undefined) return;
  problemBox.querySelector('.code')!.textContent = problem.code;
  problemBox.querySelector('.detail')!.textContent = problem.detail;
  // A missing or wrong key is fixed in the key field: open it.
  if (problem.status === 401 || problem.status === 403) {
    keyBox.open = true;
    keyField.focus();
  }
}

function clearResults(): void {
  caption.textContent = '';
  chart.clear();
  clearTable(table);
}

/** Marks the query whose answer (rates or problem) is on screen, for scripts and tests to wait on. */
function shown(state: ExplorerState): void {
  document.body.dataset.query = searchOf(state);
}

async function refreshLocations(): Promise<void> {
  try {
    locations = await loadLocations(client());
  } catch (error) {
    showProblem(problemOf(error));
    return;
  }
  fillDatalist(datalist, locations);
}

async function query(state: ExplorerState): Promise<void> {
  inFlight?.abort();
  inFlight = undefined;
  if (!isComplete(state)) {
    hint.hidden = false;
    clearResults();
    shown(state);
    return;
  }
  hint.hidden = true;
  const controller = new AbortController();
  inFlight = controller;
  document.body.setAttribute('aria-busy', 'true');
  try {
    const { version, rows } = await client().ratesDetailed({
      origin: state.origin, destination: state.destination, dateFrom: state.dateFrom, dateTo: state.dateTo,
      minCount: MIN_COUNT, signal: controller.signal, ...BAND.query
    });
    showProblem(undefined);
    versionOut.textContent = `data version ${version}`;
    caption.textContent = `${describe(state.origin, locations)} → ${describe(state.destination, locations)}, ${state.dateFrom} to ${state.dateTo}: ` +
      `daily average with its ${BAND.label} band, and the number of prices (no average below ${MIN_COUNT})`;
    chart.show(rows, BAND);
    renderTable(table, rows, BAND);
    shown(state);
  } catch (error) {
    if (controller.signal.aborted) return;
    showProblem(problemOf(error));
    clearResults();
    shown(state);
  } finally {
    if (inFlight === controller) {
      inFlight = undefined;
      document.body.removeAttribute('aria-busy');
    }
  }
}

/** A change of the form: a new URL (a history entry, so Back returns to the previous chart), then the query. */
function onFormChange(): boolean {
  const state = formState();
  if (sameState(state, stateFromSearch(location.search))) return false;
  const search = searchOf(state);
  history.pushState(null, '', search === '' ? location.pathname : `?${search}`);
  void query(state);
  return true;
}

form.addEventListener('change', (event) => {
  if (event.target !== keyField) onFormChange();
});
// Show: the query of the form; with nothing changed, asked again (newer data may have arrived).
form.addEventListener('submit', (event) => {
  event.preventDefault();
  if (!onFormChange()) void query(formState());
});
window.addEventListener('popstate', () => {
  const state = stateFromSearch(location.search);
  fillForm(state);
  void query(state);
});

async function keyChanged(key: string): Promise<void> {
  keyField.value = key;
  saveApiKey(key);
  showProblem(undefined);
  await refreshLocations();
  await query(formState());
}
keyField.addEventListener('change', () => void keyChanged(keyField.value.trim()));
element<HTMLButtonElement>('forget-key').addEventListener('click', () => void keyChanged(''));

keyField.value = loadApiKey();
keyBox.open = keyField.value !== '';
const initial = stateFromSearch(location.search);
fillForm(initial);
await refreshLocations();
await query(initial);
document.body.dataset.ready = 'true';
