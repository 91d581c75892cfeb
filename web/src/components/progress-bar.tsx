/** A labelled progress bar; without a total it is indeterminate (the total is not known yet). */
export function ProgressBar({ label, value, total }: { label: string; value: number; total: number | null }) {
  const known = total !== null && total > 0;
  const percent = known ? Math.min(100, Math.round((value / total) * 100)) : null;
  return (
    <div className="progress">
      <div className="progress-label">
        <span>{label}</span>
        <span className="tabular">{known ? `${value.toLocaleString()} / ${total.toLocaleString()} (${percent}%)` : `${value.toLocaleString()}`}</span>
      </div>
      <div
        className={`progress-track${known ? '' : ' indeterminate'}`}
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={known ? 100 : undefined}
        aria-valuenow={percent ?? undefined}
        aria-valuetext={known ? `${percent}%` : `${value} so far`}
      >
        <div className="progress-fill" style={{ width: known ? `${percent}%` : '30%' }} />
      </div>
    </div>
  );
}
