import { useState } from 'react';
import type { ChatSession } from '../api/types.js';
import { Icon } from '../components/icons.js';

/** Stored chat sessions, most recent first: open, rename in place, delete after a confirming click. */
export function SessionList({
  sessions,
  ownerLabel,
  activeId,
  onOpen,
  onRename,
  onDelete,
}: {
  sessions: ChatSession[];
  /** When given (an admin listing every key's chats), each session also names its owner. */
  ownerLabel?: (owner: string | null) => string;
  activeId: string | null;
  onOpen: (id: string) => void;
  onRename: (id: string, title: string) => Promise<void>;
  onDelete: (id: string) => Promise<void>;
}) {
  const [editing, setEditing] = useState<string | null>(null);
  const [draft, setDraft] = useState('');
  const [confirming, setConfirming] = useState<string | null>(null);
  if (sessions.length === 0) return <p className="muted small">No saved chats yet.</p>;
  return (
    <nav aria-label="Saved chats">
      <ul className="session-list">
        {sessions.map((session) => {
          const title = session.title || 'Untitled chat';
          if (editing === session.id) {
            return (
              <li key={session.id}>
                <form
                  className="rename-form"
                  onSubmit={async (event) => {
                    event.preventDefault();
                    if (draft.trim()) await onRename(session.id, draft.trim());
                    setEditing(null);
                  }}
                >
                  <label htmlFor={`rename-${session.id}`} className="visually-hidden">
                    Session title
                  </label>
                  {/* biome-ignore lint/a11y/noAutofocus: the user asked to rename this session; the field takes focus as a result. */}
                  <input id={`rename-${session.id}`} value={draft} autoFocus onChange={(event) => setDraft(event.target.value)} onKeyDown={(event) => event.key === 'Escape' && setEditing(null)} />
                  <button type="submit" className="small">Save</button>
                  <button type="button" className="small secondary" onClick={() => setEditing(null)}>
                    Cancel
                  </button>
                </form>
              </li>
            );
          }
          return (
            <li key={session.id} className={session.id === activeId ? 'active' : undefined}>
              <button type="button" className="session-open" aria-current={session.id === activeId ? 'true' : undefined} onClick={() => onOpen(session.id)}>
                <span className="session-title">{title}</span>
                <span className="muted small">
                  {session.collection} · {session.messageCount} messages
                </span>
                {ownerLabel ? <span className="muted small">by {ownerLabel(session.owner ?? null)}</span> : null}
              </button>
              {confirming === session.id ? (
                <span className="session-actions">
                  <button type="button" className="small danger" aria-label={`Confirm delete ${title}`} onClick={() => void onDelete(session.id).then(() => setConfirming(null))}>
                    Delete
                  </button>
                  <button type="button" className="small secondary" onClick={() => setConfirming(null)}>
                    Keep
                  </button>
                </span>
              ) : (
                <span className="session-actions">
                  <button
                    type="button"
                    className="icon-button"
                    aria-label={`Rename ${title}`}
                    onClick={() => {
                      setDraft(title);
                      setEditing(session.id);
                    }}
                  >
                    <Icon name="edit" size={16} />
                  </button>
                  <button type="button" className="icon-button" aria-label={`Delete ${title}`} onClick={() => setConfirming(session.id)}>
                    <Icon name="trash" size={16} />
                  </button>
                </span>
              )}
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
