/**
 * A chat language model behind Cairn's own interface. One implementation speaks the OpenAI
 * chat-completions wire format (vLLM, llama.cpp server, Ollama, NIM, LM Studio, OpenAI) over a pool of
 * endpoints. Generating and streaming are separate functions (no `stream: boolean`).
 */
export interface LanguageModel {
  /** `openai:<base-url>[,<base-url>…]#<model>` of the endpoint set, for logs and status. */
  readonly id: string;
  readonly model: string;
  /** Context window in tokens when known (from config or the server), used for the context budget. */
  readonly contextWindow: number;
  generate(options: GenerateOptions): Promise<GenerateResult>;
  /** Parts arrive as the server sends them; after the first text part, failures arrive as an `error` part. */
  stream(options: GenerateOptions): AsyncIterable<GenerateStreamPart>;
  /** Endpoints with their circuit-breaker state, for status pages. */
  endpoints(): EndpointStatus[];
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface GenerateOptions {
  messages: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  stop?: string[];
  signal?: AbortSignal;
}

export interface Usage {
  promptTokens?: number;
  completionTokens?: number;
}

export interface GenerateResult {
  text: string;
  finishReason: string;
  usage: Usage;
  /** Which endpoint answered. */
  endpoint: string;
  timings: { totalMs: number };
}

export type GenerateStreamPart =
  | { type: 'start'; endpoint: string; model: string }
  | { type: 'text-delta'; text: string }
  | { type: 'finish'; finishReason: string; usage: Usage; timings: StreamTimings }
  | { type: 'error'; error: { code: string; message: string; retryable: boolean } };

export interface StreamTimings {
  /** From the `stream()` call to the first text delta, including failed attempts and failover before it. */
  ttftMs: number;
  /** From the first to the last text delta. */
  decodeMs: number;
  totalMs: number;
  /**
   * Completion tokens per second of decode: (tokens − 1) / decode seconds, the first token's time being
   * the TTFT; tokens from the server's usage when given, otherwise counted deltas. 0 with fewer than 2.
   */
  tokensPerSecond: number;
  /** Whether `tokensPerSecond` came from the server's usage (true) or from counting deltas (false). */
  tokensFromUsage: boolean;
}

export interface EndpointStatus {
  url: string;
  state: 'closed' | 'open' | 'half-open';
  consecutiveFailures: number;
  /** When an open breaker lets a trial request through again (ISO time). */
  retryAt?: string;
}
