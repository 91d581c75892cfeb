import { useEffect, useState } from 'react';
import { useApp } from '../app-context.js';
import { suggestCollections } from '../lib/collection-suggestions.js';
import { scopeAllows } from '../lib/routes.js';
import { ProblemNotice } from './problem-notice.js';

/**
 * The shared collection choice: a text box with the existing collections as suggestions. A name that
 * matches no collection is not opened silently (an empty page would look like lost documents): the
 * picker offers the existing collections closest to it and, for keys that may write, to create it.
 */
export function CollectionPicker({ id = 'collection-picker' }: { id?: string }) {
  const { client, collections, collection, setCollection, refreshCollections, scope } = useApp();
  const [draft, setDraft] = useState(collection);
  const [unknown, setUnknown] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => setDraft(collection), [collection]);
  const names = collections.map((c) => c.name);
  const choose = (name: string) => {
    setUnknown(null);
    setError(null);
    setDraft(name);
    setCollection(name);
  };
  const commit = () => {
    const name = draft.trim();
    if (!name || name === collection) {
      setDraft(collection);
      return;
    }
    if (names.includes(name)) choose(name);
    else setUnknown(name);
  };
  const create = async (name: string) => {
    try {
      await client.createCollection({ name });
      await refreshCollections();
      choose(name);
    } catch (failure) {
      setError(failure);
    }
  };
  const cancel = () => {
    setUnknown(null);
    setError(null);
    setDraft(collection);
  };
  const suggestions = unknown ? suggestCollections(unknown, names) : [];
  return (
    <div className="field collection-picker">
      <label htmlFor={id}>Collection</label>
      <input
        id={id}
        list={`${id}-options`}
        value={draft}
        autoComplete="off"
        spellCheck={false}
        pattern="[A-Za-z0-9][A-Za-z0-9._\-]{0,63}"
        aria-describedby={unknown ? `${id}-unknown` : undefined}
        onChange={(event) => {
          setDraft(event.target.value);
          setUnknown(null);
          if (names.includes(event.target.value)) choose(event.target.value);
        }}
        onBlur={commit}
        onKeyDown={(event) => {
          if (event.key === 'Enter') commit();
          if (event.key === 'Escape') cancel();
        }}
      />
      <datalist id={`${id}-options`}>
        {collections.map((c) => (
          <option key={c.name} value={c.name}>{`${c.documentCount} documents`}</option>
        ))}
      </datalist>
      {unknown ? (
        // biome-ignore lint/a11y/useSemanticElements: a fieldset brings min-inline-size: min-content, which overflows phones; role=group labels the div the same way
        <div className="picker-unknown" id={`${id}-unknown`} role="group" aria-label={`No collection “${unknown}”`}>
          <p className="small">
            There is no collection “{unknown}”.{suggestions.length > 0 ? ' Did you mean:' : ''}
          </p>
          <div className="button-row">
            {suggestions.map((name) => (
              <button key={name} type="button" className="secondary small" onMouseDown={(event) => event.preventDefault()} onClick={() => choose(name)}>
                {name}
              </button>
            ))}
            {scopeAllows(scope, 'write') ? (
              <button type="button" className="secondary small" onMouseDown={(event) => event.preventDefault()} onClick={() => void create(unknown)}>
                Create “{unknown}”
              </button>
            ) : null}
            <button type="button" className="link-button small" onMouseDown={(event) => event.preventDefault()} onClick={cancel}>
              Keep “{collection}”
            </button>
          </div>
          <ProblemNotice error={error} onDismiss={() => setError(null)} />
        </div>
      ) : null}
    </div>
  );
}
