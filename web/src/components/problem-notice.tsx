import { toApiError } from '../api/api-error.js';
import { browserAdvice } from '../lib/browser-advice.js';
import { Icon } from './icons.js';

/** A failed call shown to the person: the server's detail, what to do in the browser, and the error code. */
export function ProblemNotice({ error, onDismiss }: { error: unknown; onDismiss?: () => void }) {
  if (error === null || error === undefined) return null;
  const problem = toApiError(error);
  const advice = browserAdvice(problem);
  return (
    <div className="notice notice-error" role="alert">
      <div>
        <p className="notice-title">{problem.detail}</p>
        {advice ? <p className="notice-hint">{advice}</p> : null}
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
