/** One text run from pdfjs, in PDF user-space units (points, y grows upwards). */
export interface PositionedText {
  text: string;
  x: number;
  y: number;
  width: number;
  height: number;
  hasEOL: boolean;
}

/** C0 controls other than tab and newline: pdfjs emits U+0000 for glyphs it cannot map. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this removes.
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

/**
 * Joins a page's text runs (in content-stream order) into paragraphs of lines.
 * - A new line starts after `hasEOL` or when the baseline moves by more than half the font size.
 * - Runs on one line are joined with a space when the horizontal gap exceeds 15% of the font
 *   size and neither side already has whitespace (pdfjs often emits words as separate runs).
 * - A new paragraph starts when the gap between baselines exceeds 1.4 times the page's typical
 *   (median) line spacing and 1.3 font sizes, or when the next line is above the previous one
 *   (a new column or a text box). The median makes double-spaced pages read as prose.
 * Lines of a paragraph are joined with '\n' so table-like layouts keep their rows.
 */
export function pageTextToParagraphs(items: readonly PositionedText[]): string[] {
  const lines: { text: string; y: number; size: number }[] = [];
  let current = '';
  let lineY = Number.NaN;
  let lineSize = 0;
  let previousEnd = Number.NaN;
  const flush = (): void => {
    const text = current.replace(CONTROL_CHARACTERS, '').replace(/[ \t\u00a0]+/g, ' ').trim();
    if (text) lines.push({ text, y: lineY, size: lineSize || 10 });
    current = '';
    lineY = Number.NaN;
    lineSize = 0;
    previousEnd = Number.NaN;
  };
  for (const item of items) {
    const size = Math.abs(item.height) || lineSize || 10;
    if (!Number.isNaN(lineY) && item.text !== '' && Math.abs(item.y - lineY) > size * 0.5) flush();
    if (item.text !== '') {
      if (Number.isNaN(lineY)) {
        lineY = item.y;
      } else if (!Number.isNaN(previousEnd)) {
        const gap = item.x - previousEnd;
        if (gap > size * 0.15 && !/\s$/.test(current) && !/^\s/.test(item.text)) current += ' ';
      }
      current += item.text;
      lineSize = Math.max(lineSize, size);
      previousEnd = item.x + item.width;
    }
    if (item.hasEOL) flush();
  }
  flush();

  const paragraphs: string[] = [];
  let paragraph: string[] = [];
  const spacing = typicalLineSpacing(lines);
  let previous: { y: number; size: number } | undefined;
  for (const line of lines) {
    if (previous) {
      const drop = previous.y - line.y;
      const limit = Math.max(Math.max(previous.size, line.size) * 1.3, spacing * 1.4);
      if (drop < 0 || drop > limit) {
        paragraphs.push(paragraph.join('\n'));
        paragraph = [];
      }
    }
    paragraph.push(line.text);
    previous = line;
  }
  if (paragraph.length > 0) paragraphs.push(paragraph.join('\n'));
  return paragraphs;
}

/** Lower median of the positive baseline-to-baseline distance of consecutive lines; 0 when there is none. */
function typicalLineSpacing(lines: readonly { y: number }[]): number {
  const drops: number[] = [];
  for (let index = 1; index < lines.length; index++) {
    const drop = (lines[index - 1]?.y ?? 0) - (lines[index]?.y ?? 0);
    if (drop > 0) drops.push(drop);
  }
  if (drops.length === 0) return 0;
  drops.sort((a, b) => a - b);
  return drops[Math.floor((drops.length - 1) / 2)] ?? 0;
}
