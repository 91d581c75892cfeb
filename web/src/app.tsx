import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { AppContext, type AppContextValue } from './app-context.js';
import { authorizationFor, loadAuthorization, saveAuthorization } from './api/auth-store.js';
import { ApiClient } from './api/client.js';
import type { Collection, SettingsView } from './api/types.js';
import { Icon } from './components/icons.js';
import { ProblemNotice } from './components/problem-notice.js';
import { hrefFor, PAGES, pagesFor, parseHash, scopeAllows, type Route } from './lib/routes.js';
import { useTheme } from './lib/theme.js';
import { useJobs } from './lib/use-jobs.js';
import { AnalyticsPage } from './pages/analytics-page.js';
import { BenchmarksPage } from './pages/benchmarks-page.js';
import { ChatPage } from './pages/chat-page.js';
import { DocumentsPage } from './pages/documents-page.js';
import { IngestionPage } from './pages/ingestion-page.js';
import { LoginPage } from './pages/login-page.js';
import { SearchPage } from './pages/search-page.js';
import { SettingsPage } from './pages/settings-page.js';
import { StatusPage } from './pages/status-page.js';

const COLLECTION_KEY = 'cairn.collection';

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

export function App() {
  const [authorization, setAuthorization] = useState(loadAuthorization);
  const [theme, setTheme] = useTheme();
  const client = useMemo(() => (authorization ? new ApiClient(authorization) : null), [authorization]);

  const logout = useCallback(() => {
    saveAuthorization(null);
    setAuthorization(null);
  }, []);

  const themeToggle = (
    <button type="button" className="icon-button" aria-label="Dark theme" aria-pressed={theme === 'dark'} title={theme === 'dark' ? 'Switch to the light theme' : 'Switch to the dark theme'} onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}>
      <Icon name={theme === 'dark' ? 'sun' : 'moon'} />
    </button>
  );

  if (!client) {
    return (
      <LoginPage
        themeToggle={themeToggle}
        onLogin={async (credentials) => {
          const value = authorizationFor(credentials);
          await new ApiClient(value).collections();
          saveAuthorization(value);
          setAuthorization(value);
        }}
      />
    );
  }
  return <Shell client={client} themeToggle={themeToggle} onLogout={logout} />;
}

function Shell({ client, themeToggle, onLogout }: { client: ApiClient; themeToggle: React.ReactNode; onLogout: () => void }) {
  const route = useRoute();
  const jobs = useJobs(client);
  const [collections, setCollections] = useState<Collection[]>([]);
  const [collection, setCollectionState] = useState(() => sessionStorage.getItem(COLLECTION_KEY) ?? '');
  const [error, setError] = useState<unknown>(null);
  const [settings, setSettings] = useState<SettingsView | null>(null);
  const [menuOpen, setMenuOpen] = useState(false);

  const refreshSettings = useCallback(async () => {
    try {
      setSettings(await client.settings());
    } catch (failure) {
      if ((failure as { status?: number }).status === 401) onLogout();
      setError(failure);
    }
  }, [client, onLogout]);

  useEffect(() => {
    void refreshSettings();
  }, [refreshSettings]);

  // A followed link closes the phone menu.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the route is the trigger, not an input
  useEffect(() => setMenuOpen(false), [route]);

  const refreshCollections = useCallback(async () => {
    try {
      const { collections: list } = await client.collections();
      setCollections(list);
      setCollectionState((current) => (current && (list.some((c) => c.name === current) || list.length === 0) ? current : (list[0]?.name ?? 'default')));
    } catch (failure) {
      if ((failure as { status?: number }).status === 401) onLogout();
      setError(failure);
    }
  }, [client, onLogout]);

  // Again whenever a job finishes: it may have created a collection or changed its counts.
  const finishedJobs = jobs.jobs.filter((job) => job.finishedAt !== null).length;
  // biome-ignore lint/correctness/useExhaustiveDependencies: the count of finished jobs is the trigger, not an input
  useEffect(() => {
    void refreshCollections();
  }, [refreshCollections, finishedJobs]);

  const setCollection = useCallback((name: string) => {
    sessionStorage.setItem(COLLECTION_KEY, name);
    setCollectionState(name);
  }, []);

  const value: AppContextValue = {
    client,
    collections,
    collection: collection || 'default',
    setCollection,
    refreshCollections,
    jobs,
    navigate: (hash) => {
      location.hash = hash;
    },
    settings,
    refreshSettings,
    scope: settings?.key?.scope ?? 'read',
  };
  const active = jobs.jobs.filter((job) => job.status === 'running' || job.status === 'queued').length;
  const current = PAGES.find((page) => page.name === route.page);
  const visible = pagesFor(value.scope);
  // A page the key may not use (a bookmarked #/benchmarks of a read key) is not rendered at all.
  const allowed = current !== undefined && scopeAllows(value.scope, current.scope);

  const firstPage = useRef(true);
  useEffect(() => {
    document.title = `${current?.label ?? 'Cairn'} · Cairn`;
    // After a page change, start keyboard and screen-reader users at the new page's content.
    if (firstPage.current) firstPage.current = false;
    else document.getElementById('main')?.focus({ preventScroll: true });
  }, [current]);

  return (
    <AppContext.Provider value={value}>
      {/* biome-ignore lint/a11y/useValidAnchor: a skip link is an anchor to #main; it moves focus without changing the router's hash. */}
      <a
        className="skip-link"
        href="#main"
        onClick={(event) => {
          // The hash is the router's: move focus without changing it.
          event.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <div className="shell">
        <header className="topbar">
          <a className="brand" href={hrefFor('chat')} aria-label="Cairn home">
            <svg width="22" height="22" viewBox="0 0 32 32" aria-hidden="true">
              <ellipse cx="16" cy="24" rx="10" ry="4" fill="currentColor" />
              <ellipse cx="16" cy="16.5" rx="7" ry="3.5" fill="currentColor" />
              <ellipse cx="16" cy="10" rx="4.5" ry="3" fill="currentColor" />
            </svg>
            <span>Cairn</span>
          </a>
          <button
            type="button"
            className="icon-button menu-button"
            aria-label="Menu"
            aria-expanded={menuOpen}
            aria-controls="main-nav"
            onClick={() => setMenuOpen((open) => !open)}
          >
            <Icon name={menuOpen ? 'close' : 'menu'} />
          </button>
          <nav aria-label="Main" id="main-nav" className={`main-nav${menuOpen ? ' open' : ''}`}>
            <ul>
              {visible.map((page) => (
                <li key={page.name}>
                  <a href={hrefFor(page.name)} aria-current={route.page === page.name ? 'page' : undefined}>
                    <Icon name={page.name} />
                    <span>{page.label}</span>
                    {page.name === 'ingestion' && active > 0 ? (
                      // biome-ignore lint/a11y/useAriaPropsSupportedByRole: the badge's label is read with its link's name.
                      <span className="count-badge" aria-label={`${active} active jobs`}>{active}</span>
                    ) : null}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
          <div className="topbar-actions">
            {themeToggle}
            <button type="button" className="icon-button" aria-label="Log out" title="Log out" onClick={onLogout}>
              <Icon name="logout" />
            </button>
          </div>
        </header>
        <main id="main" tabIndex={-1}>
          <ProblemNotice error={error} onDismiss={() => setError(null)} />
          {!allowed ? (
            settings ? (
              <div className="page">
                <h1>{current?.label ?? 'Not found'}</h1>
                <p className="muted">This page needs a key with scope “{current?.scope}”; yours has “{value.scope}”.</p>
              </div>
            ) : null
          ) : (
            <>
              {route.page === 'chat' ? <ChatPage /> : null}
              {route.page === 'documents' ? <DocumentsPage args={route.args} /> : null}
              {route.page === 'ingestion' ? <IngestionPage /> : null}
              {route.page === 'search' ? <SearchPage /> : null}
              {route.page === 'benchmarks' ? <BenchmarksPage /> : null}
              {route.page === 'analytics' ? <AnalyticsPage /> : null}
              {route.page === 'status' ? <StatusPage /> : null}
              {route.page === 'settings' ? <SettingsPage /> : null}
            </>
          )}
        </main>
      </div>
    </AppContext.Provider>
  );
}
