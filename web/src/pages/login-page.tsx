import { useState, type FormEvent, type ReactNode } from 'react';
import { ProblemNotice } from '../components/problem-notice.js';

type Credentials = { apiKey: string } | { user: string; password: string };

/** Log in with an API key (Bearer) or HTTP Basic; the server checks it before the app opens. */
export function LoginPage({ onLogin, themeToggle }: { onLogin: (credentials: Credentials) => Promise<void>; themeToggle: ReactNode }) {
  const [method, setMethod] = useState<'key' | 'basic'>('key');
  const [apiKey, setApiKey] = useState('');
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onLogin(method === 'key' ? { apiKey } : { user, password });
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="login-screen">
      <div className="login-theme">{themeToggle}</div>
      <main id="main" className="login-card">
        <h1>Cairn</h1>
        <p className="muted">Search and ask your documents and code. Log in with the API key that <code>cairn serve</code> printed on its first start, or one an administrator created under Settings → API keys.</p>
        <form onSubmit={submit} aria-label="Log in">
          <fieldset className="segmented">
            <legend>Log in with</legend>
            <label>
              <input type="radio" name="method" value="key" checked={method === 'key'} onChange={() => setMethod('key')} /> Key only
            </label>
            <label>
              <input type="radio" name="method" value="basic" checked={method === 'basic'} onChange={() => setMethod('basic')} /> HTTP Basic (user name and password)
            </label>
          </fieldset>
          {method === 'key' ? (
            <div className="field">
              <label htmlFor="login-key">API key</label>
              <input id="login-key" type="password" autoComplete="current-password" required value={apiKey} onChange={(event) => setApiKey(event.target.value)} placeholder="cairn_…" />
            </div>
          ) : (
            <>
              <div className="field">
                <label htmlFor="login-user">User name</label>
                <input id="login-user" autoComplete="username" value={user} onChange={(event) => setUser(event.target.value)} />
              </div>
              <div className="field">
                <label htmlFor="login-password">Password</label>
                <input id="login-password" type="password" autoComplete="current-password" required value={password} onChange={(event) => setPassword(event.target.value)} />
                <p className="field-help">The password is an API key; any user name is accepted.</p>
              </div>
            </>
          )}
          <ProblemNotice error={error} />
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Checking…' : 'Log in'}
          </button>
        </form>
        <p className="muted small">The key stays in this browser tab only (session storage) and is sent as an Authorization header, never in the address.</p>
      </main>
    </div>
  );
}
