import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * The id a process holds job leases under: host, pid and a random part, so two processes never share
 * one (not across machines, not after a pid is reused) and an operator reading the jobs table sees
 * which machine and process holds a job.
 */
export function jobOwnerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}
