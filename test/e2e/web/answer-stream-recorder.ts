import type { Page } from 'playwright-core';

/**
 * Records, inside the page, every distinct text of the answer of the turn named `turnLabel` (the
 * article "Question N") while its answer element is `aria-busy="true"`, i.e. while the stream runs.
 * Recording in the page (a MutationObserver) rather than polling from the test sees every render
 * however loaded the machine is. Returns a function that stops recording and yields the texts in order.
 *
 * The in-page code is a JavaScript string: the test project compiles without the DOM library.
 */
export async function recordStreamingAnswer(page: Page, turnLabel: string): Promise<() => Promise<string[]>> {
  const key = `__cairnAnswerTexts_${Math.random().toString(36).slice(2)}`;
  await page.evaluate(`(() => {
    const texts = [];
    const selector = ${JSON.stringify(`article[aria-label="${turnLabel}"] [aria-busy]`)};
    const record = () => {
      const answer = document.querySelector(selector);
      if (!answer || answer.getAttribute('aria-busy') !== 'true') return;
      const markdown = answer.querySelector('.markdown');
      const text = (markdown ? markdown.textContent : '').replace(/\\s+/g, ' ').trim();
      if (text !== '' && texts[texts.length - 1] !== text) texts.push(text);
    };
    const observer = new MutationObserver(record);
    observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    window[${JSON.stringify(key)}] = { texts, observer };
  })()`);
  return () => page.evaluate<string[]>(`(() => { const state = window[${JSON.stringify(key)}]; state.observer.disconnect(); return state.texts; })()`);
}
