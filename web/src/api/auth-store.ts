const KEY = 'cairn.authorization';

/**
 * The `Authorization` header value for this browser tab: kept in sessionStorage (gone when the tab
 * closes), never in the URL or localStorage.
 */
export function loadAuthorization(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function saveAuthorization(value: string | null): void {
  try {
    if (value === null) sessionStorage.removeItem(KEY);
    else sessionStorage.setItem(KEY, value);
  } catch {
    // storage disabled: the login lasts until reload
  }
}

/** `Bearer <key>` for an API key; HTTP Basic with the key as password (any user name) otherwise. */
export function authorizationFor(credentials: { apiKey: string } | { user: string; password: string }): string {
  if ('apiKey' in credentials) return `Bearer ${credentials.apiKey.trim()}`;
  const bytes = new TextEncoder().encode(`${credentials.user}:${credentials.password}`);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `Basic ${btoa(binary)}`;
}
