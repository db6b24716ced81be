/**
 * The explorer's state, which lives in the page's URL (`?origin=&destination=&date_from=&date_to=`,
 * the names of the API's own parameters), so a link shows the same chart.
 */
import { parameterOf } from './vendor/contract/index.js';

export interface ExplorerState {
  origin: string;
  destination: string;
  dateFrom: string;
  dateTo: string;
}

const PARAMETERS: ReadonlyArray<[keyof ExplorerState, string]> = (['origin', 'destination', 'dateFrom', 'dateTo'] as const).map((key) => [key, parameterOf(key)]);

export function stateFromSearch(search: string): ExplorerState {
  const params = new URLSearchParams(search);
  const state = { origin: '', destination: '', dateFrom: '', dateTo: '' };
  for (const [key, name] of PARAMETERS) state[key] = params.get(name)?.trim() ?? '';
  return state;
}

/** The query string of a state (empty members left out), as the API names its parameters. */
export function searchOf(state: ExplorerState): string {
  const params = new URLSearchParams();
  for (const [key, name] of PARAMETERS) if (state[key] !== '') params.set(name, state[key]);
  return params.toString();
}

/** Whether every member is given, so the rates can be asked for. */
export function isComplete(state: ExplorerState): boolean {
  return PARAMETERS.every(([key]) => state[key] !== '');
}

export function sameState(a: ExplorerState, b: ExplorerState): boolean {
  return PARAMETERS.every(([key]) => a[key] === b[key]);
}
