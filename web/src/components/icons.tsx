import type { ReactNode } from 'react';

/** Inline SVG icons (24×24, stroke). Decorative: the control that holds one carries the name. */
const PATHS: Record<string, ReactNode> = {
  chat: <path d="M4 5h16v11H8l-4 4z" />,
  documents: <path d="M6 3h8l4 4v14H6zM14 3v4h4M9 12h6M9 16h6" />,
  ingestion: <path d="M3 12h4l3-7 4 14 3-7h4" />,
  search: <path d="M10.5 4a6.5 6.5 0 1 1 0 13 6.5 6.5 0 0 1 0-13zM15.5 15.5 20 20" />,
  benchmarks: <path d="M4 20V10M10 20V4M16 20v-7M22 20H2" />,
  analytics: <path d="M3 17l5-6 4 3 6-8 3 3M3 21h18" />,
  status: <path d="M12 3a9 9 0 1 1 0 18 9 9 0 0 1 0-18zM8 12l3 3 5-6" />,
  sun: <path d="M12 8a4 4 0 1 1 0 8 4 4 0 0 1 0-8zM12 2v2M12 20v2M2 12h2M20 12h2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4" />,
  moon: <path d="M20 14.5A8 8 0 0 1 9.5 4 8 8 0 1 0 20 14.5z" />,
  send: <path d="M4 12 20 4l-6 16-3-7z" />,
  stop: <rect x="6" y="6" width="12" height="12" rx="1" />,
  upload: <path d="M12 16V4M7 9l5-5 5 5M4 20h16" />,
  trash: <path d="M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13" />,
  refresh: <path d="M20 11a8 8 0 1 0-2.3 5.7M20 4v7h-7" />,
  close: <path d="M6 6l12 12M18 6 6 18" />,
  logout: <path d="M15 4h4v16h-4M10 8l-4 4 4 4M6 12h10" />,
  plus: <path d="M12 5v14M5 12h14" />,
  edit: <path d="M4 20h4L19 9l-4-4L4 16zM13 7l4 4" />,
  download: <path d="M12 4v12M7 11l5 5 5-5M4 20h16" />,
  alert: <path d="M12 3 2 20h20zM12 9v5M12 17v.5" />,
  info: <path d="M12 3a9 9 0 1 1 0 18 9 9 0 0 1 0-18zM12 11v6M12 7.5v.5" />,
  menu: <path d="M4 6h16M4 12h16M4 18h16" />,
  settings: <path d="M12 9a3 3 0 1 1 0 6 3 3 0 0 1 0-6zM4 12h2M18 12h2M12 4v2M12 18v2M6.3 6.3l1.4 1.4M16.3 16.3l1.4 1.4M6.3 17.7l1.4-1.4M16.3 7.7l1.4-1.4" />,
  copy: <path d="M9 9h11v11H9zM5 15H4V4h11v1" />,
};

export function Icon({ name, size = 18 }: { name: keyof typeof PATHS | string; size?: number }) {
  return (
    <svg className="icon" width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      {PATHS[name]}
    </svg>
  );
}
