import { waitUntil } from './wait-until.js';

/** An authenticated JSON call on a running `cairn serve`. */
export async function apiCall<T>(baseUrl: string, key: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

interface JobJson {
  id: string;
  status: string;
  progress: { filesDone: number; filesFailed: number; filesTotal: number | null };
}

/**
 * Uploads `files` (name → text) to `collection` as one multipart request, as the web UI does, and
 * waits until the job has finished. Answers the finished job.
 */
export async function uploadAndWait(baseUrl: string, key: string, collection: string, files: Record<string, string>): Promise<JobJson> {
  const form = new FormData();
  for (const [name, text] of Object.entries(files)) form.append('file', new Blob([text], { type: 'text/plain' }), name);
  const response = await fetch(`${baseUrl}/v1/collections/${encodeURIComponent(collection)}/documents`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
  const accepted = (await response.json()) as { job?: JobJson };
  if (response.status !== 202 || !accepted.job) throw new Error(`upload answered ${response.status}: ${JSON.stringify(accepted)}`);
  const id = accepted.job.id;
  return waitUntil(
    async () => {
      const { body } = await apiCall<JobJson>(baseUrl, key, 'GET', `/v1/jobs/${id}`);
      return ['succeeded', 'failed', 'cancelled'].includes(body.status) ? body : null;
    },
    { timeoutMs: 120_000, what: `upload job ${id} to finish` },
  );
}

/** A few short Markdown notes, enough for search results, answers with citations and a document list. */
export const NOTES: Record<string, string> = {
  'harbour/cranes.md': '# Harbour cranes\n\nThe harbour has four cranes. Crane 3 lifts containers up to 40 tonnes and is serviced every spring.\n\n## Night shifts\n\nCranes run at night only with two operators on duty.\n',
  'harbour/tides.md': '# Tides\n\nHigh tide reaches the quay twice a day; ships over 200 metres dock only at high tide.\n',
  'operations/a-rather-long-folder-name-that-would-not-fit-on-a-phone/safety-checklist-for-the-night-shift-operators.md':
    '# Safety checklist for the night shift\n\nBefore a night shift the operators check the crane lights, the radios and the wind gauge (https://example.org/very/long/url/that/should/wrap/anywhere/in/the/layout).\n',
};
