import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * The id a process holds job leases under: `<host>:<pid>:<random>`, so two processes never share one
 * (not across machines, not after a pid is reused) and an operator reading the jobs table sees which
 * machine and process holds a job.
 */
export function jobOwnerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/**
 * True when `owner` names a process of this machine that no longer runs (a `cairn serve` killed and
 * started again): its jobs need not wait for their leases to expire. Anything else (another host, a
 * live pid, this very process, an id of another shape) is false: the lease decides.
 */
export function isDeadLocalOwner(owner: string, self: string): boolean {
  const match = /^(.*):(\d+):[0-9a-f]+$/.exec(owner);
  if (!match || owner === self || match[1] !== hostname()) return false;
  const pid = Number(match[2]);
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
