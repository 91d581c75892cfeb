import { useEffect, useState } from 'react';
import { useApp } from '../app-context.js';

/**
 * The shared collection choice: a text box with the existing collections as suggestions, so a new
 * name can be typed too (an upload creates the collection on first use).
 */
export function CollectionPicker({ id = 'collection-picker' }: { id?: string }) {
  const { collections, collection, setCollection } = useApp();
  const [draft, setDraft] = useState(collection);
  useEffect(() => setDraft(collection), [collection]);
  const commit = () => {
    const name = draft.trim();
    if (name && name !== collection) setCollection(name);
    else setDraft(collection);
  };
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
        onChange={(event) => {
          setDraft(event.target.value);
          if (collections.some((c) => c.name === event.target.value)) setCollection(event.target.value);
        }}
        onBlur={commit}
        onKeyDown={(event) => {
          if (event.key === 'Enter') commit();
        }}
      />
      <datalist id={`${id}-options`}>
        {collections.map((c) => (
          <option key={c.name} value={c.name}>{`${c.documentCount} documents`}</option>
        ))}
      </datalist>
    </div>
  );
}
