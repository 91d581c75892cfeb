import { formatTick, linearScale, linearTicks, log2Scale, log2Ticks, paddedDomain } from '../lib/chart-scales.js';

export interface Series {
  name: string;
  /** A CSS colour (custom property) for the line and its legend swatch. */
  color: string;
  points: { x: number; y: number }[];
  /** Dash pattern, so series differ by more than colour. */
  dash?: string;
}

const WIDTH = 560;
const HEIGHT = 260;
const MARGIN = { top: 16, right: 16, bottom: 40, left: 56 };

/**
 * An SVG line chart: log2 x axis (concurrency 1, 2, 4, …) or linear, linear y from zero. The data is
 * also given as a table for screen readers (`<desc>` summarises; the page shows the table).
 */
export function LineChart({
  title,
  series,
  xLabel,
  yLabel,
  xLog2 = true,
  formatX = formatTick,
}: {
  title: string;
  series: Series[];
  xLabel: string;
  yLabel: string;
  xLog2?: boolean;
  /** Labels of x ticks and of the points in the description (for example dates of day numbers). */
  formatX?: (x: number) => string;
}) {
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const ys = series.flatMap((s) => s.points.map((p) => p.y));
  if (xs.length === 0) return null;
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const xTicks = xLog2 ? log2Ticks(Math.max(xMin, 1), Math.max(xMax, 1)) : linearTicks(xMin, xMax, 6);
  const xDomain: [number, number] = [xTicks[0] ?? xMin, xTicks.at(-1) ?? xMax];
  const yRaw = paddedDomain(ys, { includeZero: true });
  const yTicks = linearTicks(yRaw[0], yRaw[1], 5);
  const yDomain: [number, number] = [yTicks[0] ?? yRaw[0], yTicks.at(-1) ?? yRaw[1]];
  const range: [number, number] = [MARGIN.left, WIDTH - MARGIN.right];
  const x = xLog2 ? log2Scale(xDomain[0] === xDomain[1] ? [xDomain[0], xDomain[0] * 2] : xDomain, range) : linearScale(xDomain, range);
  const y = linearScale(yDomain, [HEIGHT - MARGIN.bottom, MARGIN.top]);
  const titleId = `chart-${title.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby={`${titleId}-title ${titleId}-desc`}>
        <title id={`${titleId}-title`}>{title}</title>
        <desc id={`${titleId}-desc`}>{series.map((s) => `${s.name}: ${s.points.map((p) => `${formatX(p.x)} → ${formatTick(p.y)}`).join(', ')}`).join('; ')}</desc>
        {yTicks.map((tick) => (
          <g key={`y${tick}`}>
            <line className="grid" x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={y(tick)} y2={y(tick)} />
            <text className="tick" x={MARGIN.left - 6} y={y(tick)} textAnchor="end" dominantBaseline="middle">
              {formatTick(tick)}
            </text>
          </g>
        ))}
        {xTicks.map((tick) => (
          <text key={`x${tick}`} className="tick" x={x(tick)} y={HEIGHT - MARGIN.bottom + 16} textAnchor="middle">
            {formatX(tick)}
          </text>
        ))}
        <line className="axis" x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={HEIGHT - MARGIN.bottom} y2={HEIGHT - MARGIN.bottom} />
        <text className="axis-label" x={(MARGIN.left + WIDTH - MARGIN.right) / 2} y={HEIGHT - 6} textAnchor="middle">
          {xLabel}
        </text>
        <text className="axis-label" transform={`translate(14 ${(HEIGHT - MARGIN.bottom + MARGIN.top) / 2}) rotate(-90)`} textAnchor="middle">
          {yLabel}
        </text>
        {series.map((s) => (
          <g key={s.name} style={{ color: s.color }}>
            <polyline fill="none" stroke="currentColor" strokeWidth={2} strokeDasharray={s.dash} points={s.points.map((p) => `${x(p.x)},${y(p.y)}`).join(' ')} />
            {s.points.map((p) => (
              <circle key={p.x} cx={x(p.x)} cy={y(p.y)} r={3} fill="currentColor" />
            ))}
          </g>
        ))}
      </svg>
      <figcaption className="legend">
        <strong>{title}</strong>
        {series.map((s) => (
          <span key={s.name} className="legend-item">
            <svg width="24" height="8" aria-hidden="true">
              <line x1="0" x2="24" y1="4" y2="4" stroke={s.color} strokeWidth={2} strokeDasharray={s.dash} />
            </svg>
            {s.name}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

/** A small time series (no axes) for live rates; the latest value is printed beside it by the caller. */
export function Sparkline({ values, label }: { values: number[]; label: string }) {
  const width = 120;
  const height = 32;
  if (values.length < 2) return <svg className="sparkline" width={width} height={height} role="img" aria-label={`${label}: not enough samples yet`} />;
  const [, yMax] = paddedDomain(values, { includeZero: true, padding: 0.1 });
  const x = linearScale([0, values.length - 1], [1, width - 1]);
  const y = linearScale([0, yMax], [height - 2, 2]);
  const points = values.map((value, i) => `${x(i).toFixed(1)},${y(value).toFixed(1)}`).join(' ');
  return (
    <svg className="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${label}, last ${values.length} samples, peak ${formatTick(Math.max(...values))}`}>
      <polyline fill="none" stroke="currentColor" strokeWidth={1.5} points={points} />
    </svg>
  );
}
