import { existsSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT } from '../../../src/testing/shared-data.js';

/** Debian's `chromium` package; playwright-core drives it and never downloads a browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Skip reason for developers without Chromium (`.ci/run` installs it, so CI runs these tests). */
export const CHROMIUM_MISSING = existsSync(CHROMIUM_PATH)
  ? null
  : `skipped: ${CHROMIUM_PATH} is missing (install Debian's chromium: apt-get install --no-install-recommends chromium; .ci/run does this)`;

/** The viewport of every page and screenshot: a laptop screen. */
export const VIEWPORT = { width: 1280, height: 800 };

/** What the browser tests leave behind: `CAIRN_E2E_ARTIFACTS`, or a folder in the temp dir. */
export const ARTIFACTS_DIR = process.env.CAIRN_E2E_ARTIFACTS ?? join(tmpdir(), 'cairn-e2e-artifacts');

/** Screenshots of failed steps. */
export const FAILURE_DIR = join(ARTIFACTS_DIR, 'failures');

/**
 * Page screenshots: `docs/screenshots/` (the README's images) when `CAIRN_UPDATE_SCREENSHOTS=1`,
 * else the artifacts folder, so that an ordinary test run leaves the working tree as it was.
 */
export const UPDATE_SCREENSHOTS = process.env.CAIRN_UPDATE_SCREENSHOTS === '1';
export const SCREENSHOT_DIR = UPDATE_SCREENSHOTS ? join(REPO_ROOT, 'docs', 'screenshots') : join(ARTIFACTS_DIR, 'screenshots');

/** The README's screenshots stay small: each PNG under this size. */
export const MAX_SCREENSHOT_BYTES = 200_000;

/** Headless Chromium; without the sandbox when running as root (containers, CI), which Chromium refuses otherwise. */
export function launchChromium(): Promise<Browser> {
  const args = ['--disable-dev-shm-usage'];
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  return chromium.launch({ executablePath: CHROMIUM_PATH, args, timeout: 60_000 });
}

/**
 * A fresh context (no storage shared with other tests) on `baseURL`, with generous default timeouts
 * for a loaded CI machine. Console errors and failed requests are collected for failure messages.
 */
export async function openPage(browser: Browser, baseURL: string): Promise<{ context: BrowserContext; page: Page; log: string[] }> {
  const context = await browser.newContext({ baseURL, viewport: VIEWPORT, locale: 'en-US', timezoneId: 'UTC', colorScheme: 'light', reducedMotion: 'reduce' });
  context.setDefaultTimeout(30_000);
  context.setDefaultNavigationTimeout(60_000);
  const page = await context.newPage();
  const log: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') log.push(`console.${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => log.push(`pageerror: ${error.message}`));
  page.on('requestfailed', (request) => log.push(`requestfailed: ${request.method()} ${request.url()} ${request.failure()?.errorText ?? ''}`));
  return { context, page, log };
}

/**
 * Runs one scenario step; when it throws, saves a full-page screenshot to FAILURE_DIR and adds its
 * path and the page's collected log to the error.
 */
export async function withFailureScreenshot<T>(page: Page, name: string, log: string[], step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    mkdirSync(FAILURE_DIR, { recursive: true });
    const path = join(FAILURE_DIR, `${name.replace(/[^a-z0-9-]+/gi, '-')}-${Date.now()}.png`);
    const saved = await page.screenshot({ path, fullPage: true, timeout: 10_000 }).then(() => path, (shotError: Error) => `(no screenshot: ${shotError.message})`);
    const detail = `\nscreenshot: ${saved}\nurl: ${page.url()}\npage log:\n${log.slice(-30).join('\n') || '(empty)'}`;
    if (error instanceof Error) {
      // The runner prints the stack, which already holds the original message.
      error.message += detail;
      if (error.stack) error.stack += detail;
      throw error;
    }
    throw new Error(String(error) + detail);
  }
}

/**
 * Saves the viewport (1280×800) as `<SCREENSHOT_DIR>/<name>.png`, animations frozen and the caret
 * hidden so that reruns give similar images. When updating the README's images, refuses one over
 * MAX_SCREENSHOT_BYTES. Returns the file's path.
 */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, animations: 'disabled', caret: 'hide', scale: 'css' });
  const bytes = statSync(path).size;
  if (UPDATE_SCREENSHOTS && bytes >= MAX_SCREENSHOT_BYTES) throw new Error(`${path} is ${bytes} bytes; the README's screenshots must stay under ${MAX_SCREENSHOT_BYTES}`);
  return path;
}

/**
 * Logs in through the login form with an API key and waits for the app (its Log out button: on a
 * phone the main navigation stays folded behind the Menu button).
 */
export async function logIn(page: Page, apiKey: string): Promise<void> {
  await page.goto('/');
  await page.getByRole('textbox', { name: 'API key' }).fill(apiKey);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('button', { name: 'Log out' }).waitFor();
}
