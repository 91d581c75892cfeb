import { seededRandom } from '../core/seeded-random.js';

/**
 * Significance of a paired difference between two systems scored on the same queries (Smucker, Allan
 * and Carterette, CIKM 2007: the randomisation test and the t-test agree on IR metrics and both beat
 * the sign and Wilcoxon tests). Both are two-sided; the null hypothesis is "no difference".
 */
export interface PairedTest {
  /** Queries compared (pairs). */
  n: number;
  meanA: number;
  meanB: number;
  /** Mean of b − a. */
  meanDifference: number;
  /** Paired randomisation (sign-flip) test: share of `permutations` random sign assignments whose |mean| reaches the observed one, with the +1 correction. */
  randomisationP: number;
  permutations: number;
  /** Student's paired t-test. NaN below two pairs; 1 when every difference is 0. */
  tStatistic: number;
  tTestP: number;
}

export interface PairedTestOptions {
  /** Random sign assignments of the randomisation test (default 10,000). */
  permutations?: number;
  /** Seed of the randomisation test, fixed so that a comparison prints the same p twice (default 1). */
  seed?: number;
}

export function pairedTest(a: readonly number[], b: readonly number[], options: PairedTestOptions = {}): PairedTest {
  if (a.length !== b.length) throw new RangeError(`pairedTest needs as many scores in a (${a.length}) as in b (${b.length}).`);
  const n = a.length;
  const differences = a.map((value, i) => (b[i] as number) - value);
  const mean = (values: readonly number[]): number => (values.length === 0 ? 0 : values.reduce((sum, v) => sum + v, 0) / values.length);
  const observed = mean(differences);
  const permutations = options.permutations ?? 10_000;
  const random = seededRandom(options.seed ?? 1);
  // Compare sums, not means (same order, no division); a small tolerance keeps exact ties counted.
  const observedSum = Math.abs(observed * n) - 1e-12;
  let atLeast = 0;
  for (let p = 0; p < permutations; p++) {
    let sum = 0;
    for (const d of differences) sum += random() < 0.5 ? -d : d;
    if (Math.abs(sum) >= observedSum) atLeast++;
  }
  const { t, p } = pairedTTest(differences, observed);
  return {
    n,
    meanA: mean(a),
    meanB: mean(b),
    meanDifference: observed,
    randomisationP: n === 0 ? 1 : (atLeast + 1) / (permutations + 1),
    permutations,
    tStatistic: t,
    tTestP: p,
  };
}

function pairedTTest(differences: readonly number[], mean: number): { t: number; p: number } {
  const n = differences.length;
  if (n < 2) return { t: Number.NaN, p: Number.NaN };
  const variance = differences.reduce((sum, d) => sum + (d - mean) ** 2, 0) / (n - 1);
  if (variance === 0) return mean === 0 ? { t: 0, p: 1 } : { t: Math.sign(mean) * Number.POSITIVE_INFINITY, p: 0 };
  const t = mean / Math.sqrt(variance / n);
  const df = n - 1;
  // Two-sided p of Student's t with df degrees of freedom: I_{df/(df+t²)}(df/2, 1/2).
  return { t, p: regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5) };
}

/** I_x(a, b) by the continued fraction (modified Lentz), using the symmetry for x beyond the mean. */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x > (a + 1) / (a + b + 2)) return 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
  return (front * betaContinuedFraction(x, a, b)) / a;
}

function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    for (const numerator of [(m * (b - m) * x) / ((a + m2 - 1) * (a + m2)), (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1))]) {
      d = 1 + numerator * d;
      if (Math.abs(d) < tiny) d = tiny;
      c = 1 + numerator / c;
      if (Math.abs(c) < tiny) c = tiny;
      d = 1 / d;
      h *= d * c;
    }
    if (Math.abs(d * c - 1) < 1e-15) break;
  }
  return h;
}

/** ln Γ(z) for z > 0 (Lanczos, g = 7, nine coefficients: about 15 significant digits). */
function logGamma(z: number): number {
  const g = 7;
  const coefficients = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (z < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * z))) - logGamma(1 - z);
  const shifted = z - 1;
  let sum = coefficients[0] as number;
  for (let i = 1; i < coefficients.length; i++) sum += (coefficients[i] as number) / (shifted + i);
  const t = shifted + g + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (shifted + 0.5) * Math.log(t) - t + Math.log(sum);
}
