import { createContext, useContext } from 'react';
import type { ApiClient } from './api/client.js';
import type { Collection } from './api/types.js';
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
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (!value) throw new Error('useApp outside AppContext');
  return value;
}
