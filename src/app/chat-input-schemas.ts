import { z } from 'zod';
import { askInputSchema, collectionNameSchema } from './input-schemas.js';

/** Inputs of the stored chat sessions (chat-sessions.ts), shared by the HTTP routes and the CLI. */

export const chatSessionIdSchema = z.string().trim().min(1).max(100);

const titleSchema = z.string().trim().min(1, 'the title is empty').max(200);

export const chatSessionCreateInputSchema = z
  .object({
    collection: collectionNameSchema,
    /** Default: the first question, once it is asked. */
    title: titleSchema.optional(),
  })
  .strict();

export const chatSessionListInputSchema = z
  .object({
    limit: z.number().int().min(1).max(200).default(50),
    cursor: z.string().min(1).max(300).optional(),
    /** `mine`: the caller's own sessions; `all`: every owner's (admins only). */
    owner: z.enum(['mine', 'all']).default('mine'),
  })
  .strict();

export const chatSessionRenameInputSchema = z.object({ title: titleSchema }).strict();

/** A question in a session: `ask` without the collection, which the session names. */
export const chatMessageInputSchema = askInputSchema.omit({ collection: true });

export type ChatSessionCreateInput = z.input<typeof chatSessionCreateInputSchema>;
export type ChatSessionListInput = z.input<typeof chatSessionListInputSchema>;
export type ChatSessionRenameInput = z.input<typeof chatSessionRenameInputSchema>;
export type ChatMessageInput = z.input<typeof chatMessageInputSchema>;
