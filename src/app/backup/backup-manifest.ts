import { z } from 'zod';

/** The first member of every archive: what it holds and how to check it. */
export const MANIFEST_NAME = 'manifest.json';
/** Archive paths of the store's snapshot and of the uploads awaiting jobs. */
export const STORE_PREFIX = 'store/';
export const UPLOADS_PREFIX = 'uploads/';

const countSchema = z.number().int().min(0);

const collectionCountsSchema = z.object({
  name: z.string(),
  embedder: z.string(),
  dimensions: countSchema,
  documents: countSchema,
  chunks: countSchema,
  vectors: countSchema,
});

export const storeCountsSchema = z.object({
  collections: z.array(collectionCountsSchema),
  documents: countSchema,
  chunks: countSchema,
  vectors: countSchema,
  apiKeys: countSchema,
  jobs: countSchema,
  chatSessions: countSchema,
  memories: countSchema,
});

/**
 * A member path: relative, `/`-separated, no `.`/`..` segments, no NUL; checked before anything is
 * extracted, so an archive cannot write outside its staging folder.
 */
const memberPathSchema = z
  .string()
  .min(1)
  .max(4096)
  .refine((path) => !path.startsWith('/') && !path.includes('\\') && !path.includes('\0') && path.split('/').every((part) => part !== '' && part !== '.' && part !== '..'), 'not a plain relative path');

export const manifestSchema = z.object({
  format: z.literal('cairn-backup'),
  formatVersion: z.literal(1),
  cairnVersion: z.string(),
  createdAt: z.string().datetime(),
  store: z.object({ kind: z.string().min(1), schemaVersion: z.number().int().min(0), location: z.string() }),
  counts: storeCountsSchema,
  /** Upload folders (one per job id) of jobs that had not finished. */
  uploads: z.object({ jobs: z.array(z.string()), files: countSchema, bytes: countSchema }),
  /** Every member but the manifest, in archive order. */
  members: z.array(z.object({ path: memberPathSchema, bytes: countSchema, sha256: z.string().regex(/^[0-9a-f]{64}$/) })),
  notes: z.array(z.string()),
});

export type BackupManifest = z.infer<typeof manifestSchema>;
