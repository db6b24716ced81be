/**
 * The API key the explorer sends as `Authorization: Bearer KEY`. It is kept in the tab's
 * sessionStorage: it survives reloads of the tab, not the tab itself, and never goes into the URL.
 */
const STORAGE_KEY = 'ratestore.apiKey';

export function loadApiKey(): string {
  try {
    return sessionStorage.getItem(STORAGE_KEY) ?? '';
  } catch {
    return ''; // storage disabled: the key lives as long as the page
  }
}

export function saveApiKey(key: string): void {
  try {
    if (key === '') sessionStorage.removeItem(STORAGE_KEY);
    else sessionStorage.setItem(STORAGE_KEY, key);
  } catch {
    // storage disabled
  }
}
