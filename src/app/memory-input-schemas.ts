import { z } from 'zod';

/**
 * Inputs of the memory use cases (memories.ts), shared by the HTTP routes, the MCP tools
 * (`remember` / `recall`) and `cairn memory`. Types come from z.infer.
 *
 * Scope: a memory with a `sessionId` and/or `userId` is visible only to searches that name the same
 * session and/or user; a memory without them is visible to every search.
 */

const isoDate = z
  .string()
  .refine((value) => !Number.isNaN(Date.parse(value)), 'expected an ISO-8601 date such as 2026-01-31T12:00:00Z');

/** Session and user ids are opaque strings chosen by the client (a chat session id, an MCP client's user). */
const scopeIdSchema = z.string().trim().min(1).max(200);

export const memoryTagSchema = z.string().trim().min(1, 'a tag is empty').max(64);

export const memoryIdSchema = z.string().trim().min(1).max(100);

export const memoryCreateInputSchema = z
  .object({
    content: z.string().trim().min(1, 'the content is empty').max(20_000),
    tags: z.array(memoryTagSchema).max(32).optional(),
    /** Where the fact came from (a URL, a tool, "user"); free text. */
    source: z.string().trim().min(1).max(2000).optional(),
    /** After this instant the memory is never returned (and may be purged). */
    expiresAt: isoDate.optional(),
    sessionId: scopeIdSchema.optional(),
    userId: scopeIdSchema.optional(),
  })
  .strict();

export const memorySearchInputSchema = z
  .object({
    query: z.string().trim().min(1, 'the query is empty').max(4000),
    k: z.number().int().min(1).max(100).optional(),
    /** Only memories carrying every one of these tags. */
    tags: z.array(memoryTagSchema).max(32).optional(),
    sessionId: scopeIdSchema.optional(),
    userId: scopeIdSchema.optional(),
    /** Results scoring below this are left out (scores are in [0, 1]); default 0. */
    minScore: z.number().min(0).max(1).optional(),
  })
  .strict();

export const memoryListInputSchema = z
  .object({
    /** Only memories carrying this tag. */
    tag: memoryTagSchema.optional(),
    /** Exact filters (unlike search, which also sees unscoped memories). */
    sessionId: scopeIdSchema.optional(),
    userId: scopeIdSchema.optional(),
    /** Case-insensitive substring of the content. */
    q: z.string().trim().min(1).max(1000).optional(),
    limit: z.number().int().min(1).max(500).default(50),
    /** `nextCursor` of the previous page. */
    cursor: z.string().min(1).max(100).optional(),
  })
  .strict();

/** Fields to change; `null` clears an optional field. At least one field. */
export const memoryUpdateInputSchema = z
  .object({
    content: z.string().trim().min(1, 'the content is empty').max(20_000).optional(),
    tags: z.array(memoryTagSchema).max(32).optional(),
    source: z.string().trim().min(1).max(2000).nullable().optional(),
    expiresAt: isoDate.nullable().optional(),
    sessionId: scopeIdSchema.nullable().optional(),
    userId: scopeIdSchema.nullable().optional(),
  })
  .strict()
  .refine((value) => Object.keys(value).length > 0, 'name at least one field to change');

export type MemoryCreateInput = z.input<typeof memoryCreateInputSchema>;
export type MemorySearchInput = z.input<typeof memorySearchInputSchema>;
export type MemoryListInput = z.input<typeof memoryListInputSchema>;
export type MemoryUpdateInput = z.input<typeof memoryUpdateInputSchema>;

/** The JSON shape of a memory at the edges (HTTP responses, MCP structured content). */
export const memorySchema = z.object({
  id: z.string(),
  content: z.string(),
  tags: z.array(z.string()),
  source: z.string().nullable(),
  sessionId: z.string().nullable(),
  userId: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  expiresAt: z.string().nullable(),
});
