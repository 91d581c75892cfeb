import type { CairnApp } from '../src/app/cairn-app.js';
import { seededRandom } from '../src/core/seeded-random.js';

/** Questions a user of the docs corpus would ask, at least one per project. */
export const NATURAL_QUESTIONS = [
  'How do I write a custom ESLint rule?',
  'How do I sync an application automatically in Argo CD?',
  'How do I send a POST request with JSON using curl?',
  'How do I add pagination to a Django REST framework viewset?',
  'How do I communicate between the main and renderer process in Electron?',
  'How do I declare a path parameter in FastAPI?',
  'How do I set a deadline on a gRPC call?',
  'How do I roll back a Helm release?',
  'How do I create a shortcode in Hugo?',
  'What is the difference between val and var in Kotlin?',
  'How do I define a route with middleware in Laravel?',
  'How do I enable dark mode in Material for MkDocs?',
  'How do I write a guard in NestJS?',
  'How do I run a model with a custom Modelfile in Ollama?',
  'How do I import existing infrastructure into OpenTofu state?',
  'How do I take a screenshot in a Playwright test?',
  'How do I write an alerting rule in Prometheus?',
  'How do I validate a field with a custom validator in Pydantic?',
  'How do I add an index in a Rails migration?',
  'When should I use useEffect in React?',
  'How do I set an expiration time on a Redis key?',
  'What is ownership and borrowing in Rust?',
  'How do I extract a tar archive?',
  'How do I configure HTTPS with Let\'s Encrypt in Traefik?',
  'What are generics constraints in TypeScript?',
  'How do I add a dependency with uv?',
  'How do computed properties work in Vue?',
  'How do I split code into chunks with webpack?',
  'How do I handle errors in an async function?',
  'How do I configure a reverse proxy with TLS certificates?',
];

/**
 * The 30 natural questions, then headings of chunks drawn at random from the collection (the last
 * heading of the chunk's path, or its first words when it has none), distinct, shuffled with `seed`.
 */
export async function buildQueries(app: CairnApp, name: string, count: number, seed: number): Promise<string[]> {
  const random = seededRandom(seed);
  const { maxChunkId } = await app.chunks.vectorWatermark(name);
  const chosen = new Set<string>(NATURAL_QUESTIONS.slice(0, count));
  for (let attempt = 0; chosen.size < count && attempt < 200; attempt++) {
    const ids = Array.from({ length: 256 }, () => 1 + Math.floor(random() * Math.max(1, maxChunkId)));
    for (const chunk of await app.chunks.getChunks(ids)) {
      if (chunk.collection !== name) continue;
      const heading = chunk.headingPath[chunk.headingPath.length - 1];
      const text = (heading ?? chunk.text.split(/\s+/).slice(0, 8).join(' ')).replace(/[`*_#[\]<>]/g, '').replace(/\s+/g, ' ').trim();
      if (text.length >= 3 && /\p{L}/u.test(text)) chosen.add(text);
      if (chosen.size >= count) break;
    }
  }
  const queries = [...chosen];
  for (let i = queries.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [queries[i], queries[j]] = [queries[j] as string, queries[i] as string];
  }
  return queries;
}
