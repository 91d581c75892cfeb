import { toApiError } from '../api/api-error.js';
import { Icon } from './icons.js';

/** A failed call shown to the person: the server's detail, its hint, and the error code. */
export function ProblemNotice({ error, onDismiss }: { error: unknown; onDismiss?: () => void }) {
  if (error === null || error === undefined) return null;
  const problem = toApiError(error);
  return (
    <div className="notice notice-error" role="alert">
      <div>
        <p className="notice-title">{problem.detail}</p>
        {problem.hint ? <p className="notice-hint">{problem.hint}</p> : null}
        <p className="notice-code">{problem.status ? `${problem.status} ` : ''}{problem.code}</p>
      </div>
      {onDismiss ? (
        <button type="button" className="icon-button" aria-label="Dismiss error" onClick={onDismiss}>
          <Icon name="close" size={16} />
        </button>
      ) : null}
    </div>
  );
}
