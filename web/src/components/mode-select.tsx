import type { SearchMode } from '../api/types.js';

export interface ModeSelectProps {
  id: string;
  value: SearchMode | '';
  onChange: (mode: SearchMode | '') => void;
  /** Adds a first option "Default" (value `''`: the server chooses). */
  withDefault?: boolean;
}

/** The retrieval mode picker shared by chat, search and benchmarks; its label is "Mode". */
export function ModeSelect({ id, value, onChange, withDefault = false }: ModeSelectProps) {
  return (
    <>
      <label htmlFor={id}>Mode</label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value as SearchMode | '')}>
        {withDefault ? <option value="">Default</option> : null}
        <option value="hybrid">Hybrid</option>
        <option value="lexical">Lexical</option>
        <option value="dense">Dense</option>
      </select>
    </>
  );
}
