import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { toApiError } from '../api/api-error.js';
import type { SseEvent } from '../api/sse-parser.js';
import type { ChatSession, Citation, SearchMode } from '../api/types.js';
import { useApp } from '../app-context.js';
import { AnswerBadges } from '../components/answer-badges.js';
import { AnswerText, CitationDetail, citationKind, citationLocation } from '../components/citation.js';
import { CollectionPicker } from '../components/collection-picker.js';
import { ModeSelect } from '../components/mode-select.js';
import { Icon } from '../components/icons.js';
import { ProblemNotice } from '../components/problem-notice.js';
import { notesLines, stableConditions, type NotesLine } from '../lib/answer-notes.js';
import { createTokenMeter, emptyAnswer, reduceAnswer, turnsFromMessages, type Turn } from '../lib/answer-state.js';
import { SessionList } from './session-list.js';

/** sessionStorage key of the chat session open in this tab. */
const OPEN_SESSION_KEY = 'cairn.chat.openSession';
/** sessionStorage key of the stable conditions (no reranker, no vectors) already said in this tab. */
const SEEN_CONDITIONS_KEY = 'cairn.chat.seenConditions';

function loadSeenConditions(): Set<string> {
  try {
    return new Set(JSON.parse(sessionStorage.getItem(SEEN_CONDITIONS_KEY) ?? '[]') as string[]);
  } catch {
    return new Set();
  }
}

/**
 * Chat: questions answered from the chosen collection, streamed with citations. With the chat
 * sessions API, turns are stored and follow-ups keep their context; without it (an older server)
 * each question goes to `/v1/ask` alone.
 */
export function ChatPage() {
  const { client, collection, scope } = useApp();
  const [sessions, setSessions] = useState<ChatSession[] | null>([]);
  const [showAll, setShowAll] = useState(false);
  const [keyNames, setKeyNames] = useState<Map<string, string>>(new Map());
  const [sidebarOpen, setSidebarOpen] = useState(false);
  // Conditions said before this page was opened in this tab; the ones said on this page are derived from the turns.
  const [seenBefore] = useState(loadSeenConditions);
  const [sessionId, setSessionId] = useState<string | null>(null);
  const [turns, setTurns] = useState<Turn[]>([]);
  const [question, setQuestion] = useState('');
  const [mode, setMode] = useState<SearchMode | ''>('');
  const [rerank, setRerank] = useState(true);
  const [selected, setSelected] = useState<{ turn: number; citation: Citation | null }>({ turn: -1, citation: null });
  const [error, setError] = useState<unknown>(null);
  const controllerRef = useRef<AbortController | null>(null);
  const detailRef = useRef<HTMLDivElement | null>(null);
  const endRef = useRef<HTMLDivElement | null>(null);
  const streaming = turns.some((turn) => turn.answer.streaming);

  const loadSessions = useCallback(async () => {
    try {
      setSessions((await client.chatSessions({ all: showAll })).items);
    } catch (failure) {
      if (toApiError(failure).status === 404) setSessions(null);
      else setError(failure);
    }
  }, [client, showAll]);

  // Admins listing every key's chats see whose each one is.
  useEffect(() => {
    if (!showAll) return;
    client.keys().then(
      ({ keys }) => setKeyNames(new Map(keys.map((key) => [`key:${key.id}`, `${key.name} (${key.prefix}…)`]))),
      () => undefined,
    );
  }, [client, showAll]);

  const notes = notesLines(
    turns.map((turn) => turn.answer),
    seenBefore,
  );
  const conditions = stableConditions(turns.map((turn) => turn.answer)).join('\n');
  useEffect(() => {
    if (!conditions) return;
    const seen = loadSeenConditions();
    for (const condition of conditions.split('\n')) seen.add(condition);
    sessionStorage.setItem(SEEN_CONDITIONS_KEY, JSON.stringify([...seen]));
  }, [conditions]);

  useEffect(() => {
    void loadSessions();
  }, [loadSessions]);

  useEffect(() => () => controllerRef.current?.abort(), []);

  // The open session survives leaving the page (e.g. through a citation's document) within this tab.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs once on mount; later session changes are written by the effect below.
  useEffect(() => {
    const saved = sessionStorage.getItem(OPEN_SESSION_KEY);
    if (saved) void openSession(saved, { quiet: true });
    // Runs once on mount: later session changes are written by the effect below.
  }, []);

  useEffect(() => {
    if (sessionId) sessionStorage.setItem(OPEN_SESSION_KEY, sessionId);
    else sessionStorage.removeItem(OPEN_SESSION_KEY);
  }, [sessionId]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: scrolls to the end whenever the turns change.
  useEffect(() => {
    endRef.current?.scrollIntoView?.({ block: 'end' });
  }, [turns]);

  const openSession = async (id: string, options: { quiet?: boolean } = {}) => {
    controllerRef.current?.abort();
    setError(null);
    try {
      const { messages } = await client.chatSession(id);
      setSessionId(id);
      setTurns(turnsFromMessages(messages));
      setSelected({ turn: -1, citation: null });
      setSidebarOpen(false);
    } catch (failure) {
      // A remembered session that is gone (deleted elsewhere, or no chat sessions on this server) is forgotten silently.
      if (options.quiet) sessionStorage.removeItem(OPEN_SESSION_KEY);
      else setError(failure);
    }
  };

  const newChat = () => {
    controllerRef.current?.abort();
    setSessionId(null);
    setTurns([]);
    setSelected({ turn: -1, citation: null });
    setSidebarOpen(false);
  };

  const updateTurn = (index: number, update: (turn: Turn) => Turn) => setTurns((current) => current.map((turn, i) => (i === index ? update(turn) : turn)));

  const send = async (event: FormEvent) => {
    event.preventDefault();
    const text = question.trim();
    if (!text || streaming) return;
    setError(null);
    const controller = new AbortController();
    controllerRef.current = controller;
    const index = turns.length;
    setTurns((current) => [...current, { key: `pending-${Date.now()}`, question: text, answer: emptyAnswer() }]);
    setSelected({ turn: index, citation: null });
    setQuestion('');
    const started = performance.now();
    const meter = createTokenMeter(() => performance.now(), started);
    const options = { ...(mode ? { mode } : {}), rerank };
    try {
      let stream: AsyncGenerator<SseEvent>;
      if (sessions !== null) {
        let id = sessionId;
        if (!id) {
          const created = await client.createChatSession(collection);
          id = created.id;
          setSessionId(id);
          setSessions((current) => (current ? [created, ...current] : current));
        }
        stream = client.sendChatMessage(id, text, options, controller.signal);
      } else {
        stream = client.ask(collection, text, options, controller.signal);
      }
      for await (const item of stream) {
        let data: Record<string, unknown> = {};
        try {
          data = JSON.parse(item.data) as Record<string, unknown>;
        } catch {
          continue;
        }
        const elapsed = performance.now() - started;
        updateTurn(index, (turn) => ({ ...turn, answer: reduceAnswer(turn.answer, item.event, data, meter, elapsed) }));
      }
    } catch (failure) {
      if (!controller.signal.aborted) setError(failure);
    } finally {
      updateTurn(index, (turn) => ({ ...turn, answer: { ...turn.answer, streaming: false, stopped: turn.answer.streaming && controller.signal.aborted } }));
      if (controllerRef.current === controller) controllerRef.current = null;
      if (sessions !== null) void loadSessions();
    }
  };

  const stop = () => controllerRef.current?.abort();

  const openCitation = (turn: number, citation: Citation) => {
    setSelected({ turn, citation });
    requestAnimationFrame(() => detailRef.current?.focus());
  };

  const shownTurn = selected.turn >= 0 ? turns[selected.turn] : turns.at(-1);
  const shownIndex = selected.turn >= 0 ? selected.turn : turns.length - 1;

  return (
    <div className="chat-layout">
      <aside className={`chat-sidebar${sidebarOpen ? ' open' : ''}`} aria-label="Chat sessions">
        <CollectionPicker id="chat-collection" />
        <div className="button-row chat-sidebar-actions">
          <button type="button" className="secondary grow" onClick={newChat}>
            <Icon name="plus" /> New chat
          </button>
          {sessions !== null ? (
            <button type="button" className="secondary sidebar-toggle" aria-expanded={sidebarOpen} aria-controls="saved-chats" onClick={() => setSidebarOpen((open) => !open)}>
              Saved chats ({sessions.length})
            </button>
          ) : null}
        </div>
        {sessions === null ? (
          <p className="muted small">This server keeps no chat sessions; each question is answered on its own.</p>
        ) : (
          <div id="saved-chats" className="saved-chats">
          {scope === 'admin' ? (
            <label className="checkbox small">
              <input type="checkbox" checked={showAll} onChange={(event) => setShowAll(event.target.checked)} /> Every key’s chats
            </label>
          ) : null}
          <SessionList
            sessions={sessions}
            ownerLabel={showAll ? (owner) => (owner ? (keyNames.get(owner) ?? owner) : 'command line') : undefined}
            activeId={sessionId}
            onOpen={(id) => void openSession(id)}
            onRename={async (id, title) => {
              try {
                const updated = await client.renameChatSession(id, title);
                setSessions((current) => current?.map((s) => (s.id === id ? updated : s)) ?? current);
              } catch (failure) {
                setError(failure);
              }
            }}
            onDelete={async (id) => {
              try {
                await client.deleteChatSession(id);
                setSessions((current) => current?.filter((s) => s.id !== id) ?? current);
                if (id === sessionId) newChat();
              } catch (failure) {
                setError(failure);
              }
            }}
          />
          </div>
        )}
      </aside>

      <section className="chat-main" aria-label="Conversation">
        <h1 className="visually-hidden">Chat</h1>
        <div className="turns">
          {turns.length === 0 ? (
            <div className="empty-state">
              <h2>Ask a question about “{collection}”</h2>
              <p className="muted">Answers cite their sources with numbered markers; open a marker to read the passage and its document.</p>
            </div>
          ) : null}
          {turns.map((turn, index) => (
            <article key={turn.key} className="turn" aria-label={`Question ${index + 1}`}>
              {turn.question ? <p className="question">{turn.question}</p> : null}
              <div className="answer" aria-busy={turn.answer.streaming}>
                <AnswerNotes line={notes[index] ?? null} />
                {turn.answer.text ? (
                  <AnswerText text={turn.answer.text} citations={turn.answer.sources} onOpen={(citation) => openCitation(index, citation)} />
                ) : turn.answer.streaming ? (
                  <p className="muted" role="status">
                    {turn.answer.sources.length > 0 ? `Found ${turn.answer.sources.length} sources, writing…` : 'Searching…'}
                  </p>
                ) : null}
                {turn.answer.stopped ? <p className="muted small">Stopped.</p> : null}
                {turn.answer.error ? (
                  <div className="notice notice-error" role="alert">
                    <p className="notice-title">{turn.answer.error.message}</p>
                    <p className="notice-code">{turn.answer.error.code}</p>
                  </div>
                ) : null}
                <div className="answer-footer">
                  <AnswerBadges answer={turn.answer} />
                  {turn.answer.sources.length > 0 ? (
                    <button type="button" className="link-button small" onClick={() => setSelected({ turn: index, citation: null })}>
                      {turn.answer.sources.length === 1 ? '1 source' : `${turn.answer.sources.length} sources`}
                    </button>
                  ) : null}
                </div>
              </div>
            </article>
          ))}
          <div ref={endRef} />
        </div>
        <ProblemNotice error={error} onDismiss={() => setError(null)} />
        <form className="composer" onSubmit={send} aria-label="Ask a question">
          <label htmlFor="chat-question" className="visually-hidden">
            Question
          </label>
          <textarea
            id="chat-question"
            rows={2}
            value={question}
            placeholder={turns.length > 0 ? 'Ask a follow-up question' : 'Ask a question'}
            onChange={(event) => setQuestion(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter' && !event.shiftKey) {
                event.preventDefault();
                event.currentTarget.form?.requestSubmit();
              }
            }}
          />
          <div className="composer-controls">
            <div className="field inline mode-field">
              <ModeSelect id="chat-mode" value={mode} onChange={setMode} withDefault />
            </div>
            <label className="checkbox">
              <input type="checkbox" checked={rerank} onChange={(event) => setRerank(event.target.checked)} /> Rerank
            </label>
            {streaming ? (
              <button type="button" className="danger" onClick={stop}>
                <Icon name="stop" /> Stop
              </button>
            ) : (
              <button type="submit" className="primary" disabled={!question.trim()}>
                <Icon name="send" /> Send
              </button>
            )}
          </div>
        </form>
      </section>

      <aside className="sources-panel" aria-label="Sources">
        <h2>Sources</h2>
        {selected.citation ? (
          // biome-ignore lint/a11y/noStaticElementInteractions: a focus target (tabIndex -1) that Escape closes; its content holds the controls.
          <div ref={detailRef} tabIndex={-1} className="detail-focus" onKeyDown={(event) => event.key === 'Escape' && setSelected({ turn: selected.turn, citation: null })}>
            <CitationDetail citation={selected.citation} collection={collection} />
            <button type="button" className="link-button small" onClick={() => setSelected({ turn: selected.turn, citation: null })}>
              Back to all sources
            </button>
          </div>
        ) : null}
        {shownTurn && shownTurn.answer.sources.length > 0 ? (
          <ol className="source-list">
            {shownTurn.answer.sources.map((source) => (
              <li key={source.n} className={selected.citation?.n === source.n ? 'selected' : undefined}>
                <button type="button" className="source-button" aria-label={`Open source ${source.n}: ${source.title || source.source_uri}`} onClick={() => openCitation(shownIndex, source)}>
                  <span className="cite-number">[{source.n}]</span>
                  <span className="source-title">{source.title || source.source_uri}</span>
                  {citationKind(source) !== 'chunk' ? <span className={`badge badge-${citationKind(source)}`}>{citationKind(source) === 'memory' ? 'Memory' : 'Earlier turn'}</span> : null}
                  <span className="muted small">{citationLocation(source)}</span>
                </button>
              </li>
            ))}
          </ol>
        ) : (
          <p className="muted small">The passages an answer draws on appear here.</p>
        )}
      </aside>
    </div>
  );
}

/** The one compact line of notes of an answer; expanding it shows the full texts. */
function AnswerNotes({ line }: { line: NotesLine | null }) {
  if (!line) return null;
  return (
    <div className="answer-notes" role="note" aria-label="Notes on this answer">
      <details>
        <summary>
          <Icon name="info" size={16} /> <span>{line.summary}</span>
        </summary>
        <ul>
          {line.details.map((text) => (
            <li key={text}>{text}</li>
          ))}
        </ul>
      </details>
    </div>
  );
}
