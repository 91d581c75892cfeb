import { useEffect, useState } from 'react';

export type Theme = 'light' | 'dark';
const KEY = 'cairn.theme';

function systemTheme(): Theme {
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/** The colour theme: the system's preference until the person picks one (kept in localStorage; not a secret). */
export function useTheme(): [Theme, (theme: Theme) => void] {
  const [theme, setTheme] = useState<Theme>(() => {
    const saved = typeof localStorage === 'undefined' ? null : localStorage.getItem(KEY);
    return saved === 'light' || saved === 'dark' ? saved : systemTheme();
  });
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  return [
    theme,
    (next) => {
      localStorage.setItem(KEY, next);
      setTheme(next);
    },
  ];
}
