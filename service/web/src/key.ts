/**
 * The API key lives in this tab's session storage only: never in a URL, a cookie or local storage, so it goes
 * when the tab closes and is sent only in the Authorization header of same-origin requests.
 */
const SLOT = 'strata.apiKey';

/** The stored key ('' when none). */
export function loadKey(): string {
  try {
    return sessionStorage.getItem(SLOT) ?? '';
  } catch {
    return '';
  }
}

/** Stores the key (an empty one is removed). */
export function saveKey(key: string): void {
  try {
    if (key) sessionStorage.setItem(SLOT, key);
    else sessionStorage.removeItem(SLOT);
  } catch {
    // Storage disabled: the key still works for this page's life.
  }
}
