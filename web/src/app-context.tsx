import { createContext, useContext } from 'react';
import type { ApiClient } from './api/client.js';
import type { Collection, KeyScope, SettingsView } from './api/types.js';
import type { JobsState } from './lib/use-jobs.js';

export interface AppContextValue {
  client: ApiClient;
  collections: Collection[];
  /** The collection the pages work on (picked once, shared by Chat, Documents, Search, Benchmarks). */
  collection: string;
  setCollection: (name: string) => void;
  refreshCollections: () => Promise<void>;
  jobs: JobsState;
  navigate: (hash: string) => void;
  /** `GET /v1/settings`: the key logged in, sources allowed, models, run-time settings; null until loaded. */
  settings: SettingsView | null;
  refreshSettings: () => Promise<void>;
  /**
   * The scope of the key logged in. `read` until the settings are loaded, so that nothing a key may
   * not use is ever shown, even for a moment.
   */
  scope: KeyScope;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (!value) throw new Error('useApp outside AppContext');
  return value;
}
