import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CairnError } from '../core/cairn-error.js';
import type { DocumentRecord } from '../stores/chunk-store.js';
import type { CairnApp } from './cairn-app.js';
import { showDocument } from './documents.js';

/**
 * What the server can still do with a document's source, so that a client offers only that:
 * re-ingest it (its file or repository is still reachable by URI; uploads are not kept), and hand
 * out its original file (a `file://` document whose file is still there, at its ingested size).
 */
export interface DocumentSourceActions {
  kind: 'file' | 'git' | 'upload' | 'other';
  reingest: boolean;
  original: boolean;
  /** Why an action is not offered, in a sentence; absent when both are. */
  reason?: string;
}

/** Use case: the actions `document`'s source still allows (one `stat` for file documents). */
export async function documentSourceActions(document: Pick<DocumentRecord, 'uri' | 'sizeBytes'>): Promise<DocumentSourceActions> {
  const { uri } = document;
  if (uri.startsWith('file://')) {
    const size = await stat(fileURLToPath(uri)).then((info) => (info.isFile() ? info.size : null), () => null);
    if (size === null) return { kind: 'file', reingest: false, original: false, reason: 'The file is no longer where it was ingested from.' };
    if (size !== document.sizeBytes) return { kind: 'file', reingest: true, original: false, reason: 'The file changed since it was ingested.' };
    return { kind: 'file', reingest: true, original: true };
  }
  if (uri.startsWith('git+')) return { kind: 'git', reingest: true, original: false, reason: 'The server keeps no copy of files from git repositories.' };
  if (uri.startsWith('upload://')) return { kind: 'upload', reingest: false, original: false, reason: 'The document was uploaded; the server keeps no copy of its file.' };
  return { kind: 'other', reingest: false, original: false, reason: 'The server keeps no copy of this document\'s source.' };
}

/** Media types of the originals handed out; anything else is application/octet-stream. */
const MEDIA_TYPES: Record<string, string> = {
  '.pdf': 'application/pdf',
  '.md': 'text/markdown; charset=utf-8',
  '.markdown': 'text/markdown; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.json': 'application/json',
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
};

export interface OriginalFile {
  document: DocumentRecord;
  fileName: string;
  mediaType: string;
  bytes: Buffer;
}

/**
 * Use case: the original file of a `file://` document, exactly as it was ingested. The bytes are read
 * once and their SHA-256 must equal the document's content hash: a file changed (or swapped) since
 * ingestion is refused, so a caller never receives more than the document it could already read.
 * Files over `ingest.maxFileBytes` were never ingested and are not read.
 */
export async function readOriginalFile(app: CairnApp, collection: string, ref: string): Promise<OriginalFile> {
  const { document } = await showDocument(app, collection, ref);
  const actions = await documentSourceActions(document);
  const unavailable = (reason: string) =>
    new CairnError('ORIGINAL_UNAVAILABLE', `The original of "${document.relativePath}" is not available. ${reason}`, {
      hint: actions.reingest ? 'Re-ingest the document, then download it again.' : 'Keep your own copy of uploaded files; the server stores only their text.',
    });
  if (!actions.original) throw unavailable(actions.reason ?? 'The server keeps no copy of it.');
  if (document.sizeBytes > app.config.ingest.maxFileBytes) throw unavailable('The file is larger than ingest.maxFileBytes.');
  const path = fileURLToPath(document.uri);
  const bytes = await readFile(path).catch(() => {
    throw unavailable('The file can no longer be read.');
  });
  if (createHash('sha256').update(bytes).digest('hex') !== document.contentHash) throw unavailable('The file changed since it was ingested.');
  return { document, fileName: basename(path), mediaType: MEDIA_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream', bytes };
}
