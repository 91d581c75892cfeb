import type { AnswerState } from '../lib/answer-state.js';

function ms(value: number | null | undefined): string {
  return value === null || value === undefined ? '–' : `${Math.round(value)} ms`;
}

/**
 * Per-answer timing badges, only for what ran. While streaming they show the client's own measures
 * (time to sources, time to first token, tokens/s counted from the deltas, marked "live"); after
 * `finish`, the server's figures. Rerank shows only when a reranker ran (the server's rerank time is
 * 0 otherwise); time to first token and tokens/s never for an extractive answer, which no model wrote.
 */
export function AnswerBadges({ answer }: { answer: AnswerState }) {
  const timings = answer.finish?.timings;
  const live = answer.streaming;
  const extractive = answer.extractive || answer.finish?.extractive === true;
  const retrieval = timings?.retrieval_ms ?? (live ? answer.live.sourcesMs : null);
  const rerank = timings?.rerank_ms ?? null;
  const ttft = timings?.ttft_ms ?? answer.live.ttftMs;
  const tps = timings?.tokens_per_second ?? answer.live.tokensPerSecond;
  const generated = !extractive && (live || ttft !== null && ttft !== undefined);
  return (
    <ul className="badges" aria-label="Answer timings">
      <li className="badge" title={live && !timings ? 'Measured in the browser until the answer ends' : 'Retrieval time on the server'}>
        Retrieval <span className="tabular">{ms(retrieval)}</span>
      </li>
      {rerank !== null && rerank > 0 ? (
        <li className="badge">
          Rerank <span className="tabular">{ms(rerank)}</span>
        </li>
      ) : null}
      {generated ? (
        <>
          <li className="badge" data-testid="ttft-badge">
            TTFT <span className="tabular">{ms(ttft)}</span>
          </li>
          <li className="badge">
            <span className="tabular">{tps === null || tps === undefined ? '–' : tps.toFixed(1)}</span> tokens/s
            {live ? <span className="live-dot"><span className="visually-hidden"> (live)</span></span> : null}
          </li>
        </>
      ) : null}
    </ul>
  );
}
