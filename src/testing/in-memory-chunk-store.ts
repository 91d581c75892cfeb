import { CairnError } from '../core/cairn-error.js';
import type { FilterableDocument } from '../core/search-filter.js';
import type {
  ChunkStore, ChunkView, DocumentListQuery, DocumentPage, DocumentRecord, DocumentState, DocumentWrite,
  StoredChunk, WriteResult,
} from '../stores/chunk-store.js';
import type { CollectionRecord, CollectionSettings } from '../stores/collection-record.js';

/**
 * A ChunkStore in memory with just what retrieval tests need: collections, whole-document writes,
 * chunk lookup, the document fields filters read, and vectors. Methods retrieval never
 * calls reject with INTERNAL, so a test that strays into them fails loudly.
 */
export class InMemoryChunkStore implements ChunkStore {
  readonly kind = 'memory';
  readonly location = 'memory';
  private readonly collections = new Map<string, CollectionRecord>();
  private readonly documents = new Map<number, DocumentRecord>();
  private readonly chunks = new Map<number, StoredChunk & { vector: Float32Array | null }>();
  private nextDocumentId = 1;
  private nextChunkId = 1;
  getVectorsCalls = 0;

  async createCollection(name: string, settings: CollectionSettings): Promise<CollectionRecord> {
    const record: CollectionRecord = { ...settings, name, createdAt: new Date(0).toISOString(), documentCount: 0, chunkCount: 0 };
    this.collections.set(name, record);
    return record;
  }
  async getCollection(name: string): Promise<CollectionRecord | undefined> {
    return this.collections.get(name);
  }
  async listCollections(): Promise<CollectionRecord[]> {
    return [...this.collections.values()];
  }

  async writeDocument(document: DocumentWrite): Promise<WriteResult> {
    const { chunks, ...fields } = document;
    const documentId = this.nextDocumentId++;
    this.documents.set(documentId, { ...fields, id: documentId, chunkCount: chunks.length, ingestedAt: new Date(0).toISOString() });
    const chunkIds = chunks.map((chunk) => {
      const id = this.nextChunkId++;
      this.chunks.set(id, { ...chunk, id, documentId });
      return id;
    });
    return { documentId, chunkIds, removedChunkIds: [] };
  }

  async getChunks(ids: number[]): Promise<ChunkView[]> {
    const views: ChunkView[] = [];
    for (const id of ids) {
      const chunk = this.chunks.get(id);
      const document = chunk ? this.documents.get(chunk.documentId) : undefined;
      if (!chunk || !document) continue;
      const { vector: _vector, ...stored } = chunk;
      views.push({
        ...stored, collection: document.collection, sourceUri: document.uri, relativePath: document.relativePath,
        title: document.title, format: document.format,
        ...(document.language !== undefined ? { language: document.language } : {}),
        ...(document.gitCommit !== undefined ? { gitCommit: document.gitCommit } : {}),
      });
    }
    return views;
  }

  async getVectors(ids: number[]): Promise<Map<number, Float32Array>> {
    this.getVectorsCalls++;
    const vectors = new Map<number, Float32Array>();
    for (const id of ids) {
      const vector = this.chunks.get(id)?.vector;
      if (vector) vectors.set(id, vector);
    }
    return vectors;
  }

  async updateVectors(items: { id: number; vector: Float32Array | null }[]): Promise<void> {
    for (const { id, vector } of items) {
      const chunk = this.chunks.get(id);
      if (chunk) chunk.vector = vector;
    }
  }

  async *iterateVectors(collection: string, afterId: number, pageSize: number): AsyncIterable<{ id: number; vector: Float32Array }[]> {
    const items = this.chunkIdsOf(collection)
      .filter((id) => id > afterId)
      .flatMap((id) => {
        const vector = this.chunks.get(id)?.vector;
        return vector ? [{ id, vector }] : [];
      });
    for (let offset = 0; offset < items.length; offset += pageSize) yield items.slice(offset, offset + pageSize);
  }

  async vectorWatermark(collection: string): Promise<{ maxChunkId: number; vectorCount: number }> {
    const ids = this.chunkIdsOf(collection);
    return { maxChunkId: Math.max(0, ...ids), vectorCount: ids.filter((id) => this.chunks.get(id)?.vector).length };
  }

  /** Chunk ids of a collection in id order (for the fake indexes). */
  chunkIdsOf(collection: string): number[] {
    return [...this.chunks.values()]
      .filter((chunk) => this.documents.get(chunk.documentId)?.collection === collection)
      .map((chunk) => chunk.id);
  }

  chunkText(id: number): string | undefined {
    return this.chunks.get(id)?.text;
  }

  /** The fields of the chunk's document that filters read (for the fake indexes). */
  documentOf(chunkId: number): FilterableDocument | undefined {
    const chunk = this.chunks.get(chunkId);
    return chunk ? this.documents.get(chunk.documentId) : undefined;
  }

  async deleteCollection(): Promise<boolean> { return unsupported('deleteCollection'); }
  async setCollectionEmbedder(): Promise<void> { return unsupported('setCollectionEmbedder'); }
  async setCollectionVectorStore(): Promise<void> { return unsupported('setCollectionVectorStore'); }
  async setVectorsPending(): Promise<void> { return unsupported('setVectorsPending'); }
  async listDocumentStates(): Promise<Map<string, DocumentState>> { return unsupported('listDocumentStates'); }
  async getDocumentVectors(): Promise<Map<string, Float32Array>> { return unsupported('getDocumentVectors'); }
  async touchDocument(): Promise<void> { return unsupported('touchDocument'); }
  async deleteDocuments(): Promise<number[]> { return unsupported('deleteDocuments'); }
  async listDocuments(_query: DocumentListQuery): Promise<DocumentPage> { return unsupported('listDocuments'); }
  async getDocument(): Promise<DocumentRecord | undefined> { return unsupported('getDocument'); }
  async getDocumentChunks(): Promise<StoredChunk[]> { return unsupported('getDocumentChunks'); }
  async startRun(): Promise<number> { return unsupported('startRun'); }
  async finishRun(): Promise<void> { return unsupported('finishRun'); }
  async close(): Promise<void> {}
}

function unsupported(method: string): never {
  throw new CairnError('INTERNAL', `InMemoryChunkStore.${method} is not implemented.`, { hint: 'Use the SQLite store in this test.' });
}
