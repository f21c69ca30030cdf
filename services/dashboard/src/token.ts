// Where the dashboard's token comes from: the URL hash (`#token=...`, removed from the address bar
// once read so it does not linger in history or screenshots), else what was typed earlier in this
// tab (sessionStorage: gone when the tab closes, never shared with other tabs).

export const TOKEN_STORAGE_KEY = 'carousel.token';

/** Reads `#token=` from the hash (then strips it), else sessionStorage; '' when there is none. */
export function initialToken(loc: Location = location, storage: Storage = sessionStorage): string {
  const hash = new URLSearchParams(loc.hash.replace(/^#/, ''));
  const fromHash = hash.get('token');
  if (fromHash !== null && fromHash !== '') {
    rememberToken(fromHash, storage);
    hash.delete('token');
    const rest = hash.toString();
    history.replaceState(null, '', `${loc.pathname}${loc.search}${rest === '' ? '' : `#${rest}`}`);
    return fromHash;
  }
  return readStored(storage);
}

export function rememberToken(token: string, storage: Storage = sessionStorage): void {
  try {
    if (token === '') storage.removeItem(TOKEN_STORAGE_KEY);
    else storage.setItem(TOKEN_STORAGE_KEY, token);
  } catch {
    // Storage disabled (privacy mode): the token lives only in the page.
  }
}

function readStored(storage: Storage): string {
  try {
    return storage.getItem(TOKEN_STORAGE_KEY) ?? '';
  } catch {
    return '';
  }
}
