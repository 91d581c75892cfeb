import { createReadStream, createWriteStream, type Dirent } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CairnError } from '../../core/cairn-error.js';
import type { StoredUpload, UploadStore } from '../upload-store.js';

/**
 * Uploads on this machine's disk: `<dir>/<upload id>/<name>` (`jobs.uploadsDir`, default
 * `<home>/uploads`). The single-node default; several machines can use it only with `dir` on shared
 * storage. Ingestion reads the folder in place (`localDir`).
 */
export class LocalUploadStore implements UploadStore {
  readonly kind = 'local';
  readonly location: string;
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
    this.location = dir;
  }

  localDir(id: string): string {
    return join(this.#dir, id);
  }

  async put(id: string, name: string, body: Readable): Promise<number> {
    const path = join(this.#dir, id, ...name.split('/'));
    await mkdir(dirname(path), { recursive: true });
    const out = createWriteStream(path, { flags: 'wx' });
    try {
      await pipeline(body, out);
    } catch (error) {
      // 'wx' refused an existing file: that one is not ours to remove.
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw duplicate(name, error);
      await rm(path, { force: true });
      throw error;
    }
    return out.bytesWritten;
  }

  async get(id: string, name: string): Promise<Readable> {
    const path = join(this.#dir, id, ...name.split('/'));
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) throw notFound(id, name);
    return createReadStream(path);
  }

  async files(id: string): Promise<string[]> {
    const root = join(this.#dir, id);
    let entries: Dirent[];
    try {
      entries = await readdir(root, { recursive: true, withFileTypes: true });
    } catch {
      return [];
    }
    return entries
      .filter((entry) => entry.isFile())
      .map((entry) => relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'))
      .sort();
  }

  async list(): Promise<StoredUpload[]> {
    let names: string[];
    try {
      names = await readdir(this.#dir);
    } catch {
      return [];
    }
    const out: StoredUpload[] = [];
    for (const id of names) {
      const info = await stat(join(this.#dir, id)).catch(() => undefined);
      if (info?.isDirectory()) out.push({ id, changedMs: info.mtimeMs });
    }
    return out;
  }

  async delete(id: string): Promise<void> {
    await rm(join(this.#dir, id), { recursive: true, force: true });
  }

  async close(): Promise<void> {}
}

export function notFound(id: string, name: string): CairnError {
  return new CairnError('NOT_FOUND', `Upload ${id} holds no file "${name}".`, {
    hint: 'The upload was removed once its job finished, or never held that file.',
  });
}

export function duplicate(name: string, cause?: unknown): CairnError {
  return new CairnError('INPUT_INVALID', `The file name "${name}" occurs twice in the upload.`, { hint: 'Send each file once.', ...(cause ? { cause } : {}) });
}
