import type { Page } from 'playwright-core';

/** Phone widths every page must work at (CSS pixels): a small Android phone and a current iPhone. */
export const PHONE_VIEWPORTS = [
  { width: 360, height: 740 },
  { width: 390, height: 844 },
] as const;

/** Smallest touch target accepted, in CSS pixels: WCAG 2.2 target size (minimum), 2.5.8. */
export const MIN_TARGET_PX = 24;

export interface LayoutProblem {
  what: string;
  /** A short description of the element: tag, id, classes, accessible text. */
  element: string;
  detail: string;
}

/**
 * What on the page breaks a narrow viewport, measured in the page:
 * - the document scrolls sideways (`scrollWidth > innerWidth`);
 * - a visible element sticks out of the viewport, unless an ancestor clips or scrolls it (a table in
 *   its own scroll box is fine, the page behind it does not move);
 * - a visible control (button, input, select, textarea, link styled as a button) is smaller than
 *   MIN_TARGET_PX in either direction; links inside running text are exempt (WCAG's inline exception).
 *
 * The in-page code is a string: the test project compiles without the DOM library.
 */
export async function layoutProblems(page: Page): Promise<LayoutProblem[]> {
  return page.evaluate<LayoutProblem[]>(`(() => {
    const problems = [];
    const width = window.innerWidth;
    const describe = (el) => {
      const text = (el.getAttribute('aria-label') || el.textContent || '').replace(/\\s+/g, ' ').trim().slice(0, 40);
      const cls = typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
      return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + cls + (text ? ' "' + text + '"' : '');
    };
    const root = document.documentElement;
    if (root.scrollWidth > width) problems.push({ what: 'horizontal scroll', element: 'html', detail: 'scrollWidth ' + root.scrollWidth + ' > innerWidth ' + width });
    const visible = (el) => {
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden' || style.display === 'none') return false;
      const rect = el.getBoundingClientRect();
      return rect.width > 0 && rect.height > 0;
    };
    const clippedByAncestor = (el) => {
      for (let node = el.parentElement; node && node !== document.body; node = node.parentElement) {
        const overflowX = getComputedStyle(node).overflowX;
        if (overflowX !== 'visible') return true;
      }
      return false;
    };
    const hiddenByClip = (el) => {
      // Visually hidden text (1px, clipped) is for screen readers and takes no room.
      const style = getComputedStyle(el);
      return style.clip === 'rect(0px, 0px, 0px, 0px)' || style.clipPath === 'inset(50%)';
    };
    for (const el of document.body.querySelectorAll('*')) {
      if (!visible(el) || hiddenByClip(el)) continue;
      const rect = el.getBoundingClientRect();
      if ((rect.right > width + 0.5 || rect.left < -0.5) && !clippedByAncestor(el)) {
        problems.push({ what: 'sticks out of the viewport', element: describe(el), detail: 'left ' + Math.round(rect.left) + ', right ' + Math.round(rect.right) + ' of ' + width });
      }
    }
    const controls = document.body.querySelectorAll('button, input:not([type=hidden]), select, textarea, summary, a.button-link');
    for (const el of controls) {
      if (!visible(el) || hiddenByClip(el)) continue;
      if (el.closest('p, li.inline-text, .markdown, .cited-text')) continue;
      const rect = el.getBoundingClientRect();
      const isCheck = el.tagName === 'INPUT' && (el.type === 'checkbox' || el.type === 'radio');
      // A checkbox or radio counts with its label, which clicking also toggles.
      const target = isCheck && el.closest('label') ? el.closest('label').getBoundingClientRect() : rect;
      if (target.width < ${MIN_TARGET_PX} - 0.5 || target.height < ${MIN_TARGET_PX} - 0.5) {
        problems.push({ what: 'touch target too small', element: describe(el), detail: Math.round(target.width) + '×' + Math.round(target.height) + ' px' });
      }
    }
    return problems;
  })()`);
}

/** The problems as lines for an assertion message, at most `max` of them. */
export function formatProblems(problems: readonly LayoutProblem[], max = 15): string {
  const lines = problems.slice(0, max).map((p) => `- ${p.what}: ${p.element} (${p.detail})`);
  if (problems.length > max) lines.push(`- … and ${problems.length - max} more`);
  return lines.join('\n');
}
