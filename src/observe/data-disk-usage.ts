import { statfs } from 'node:fs/promises';
import type { Telemetry } from '../core/telemetry.js';

export interface DiskUsage {
  /** Bytes an unprivileged process may still write (`f_bavail`: root's reserved blocks excluded). */
  freeBytes: number;
  /** Total size of the filesystem in bytes. */
  sizeBytes: number;
}

/** Free and total bytes of the filesystem that holds `dir` (statfs(2)). */
export async function dataDiskUsage(dir: string): Promise<DiskUsage> {
  const stats = await statfs(dir);
  return { freeBytes: stats.bavail * stats.bsize, sizeBytes: stats.blocks * stats.bsize };
}

/**
 * Registers the `data.diskFreeBytes` and `data.diskSizeBytes` gauges of the data directory, read at
 * each scrape. A failed read (the directory vanished) exports NaN: the scrape still succeeds, and
 * NaN, unlike 0, fires no "disk almost full" alert (every comparison with NaN is false).
 */
export function registerDataDiskGauges(telemetry: Telemetry, dir: string): void {
  const read = (pick: (usage: DiskUsage) => number) => async () => {
    try {
      return pick(await dataDiskUsage(dir));
    } catch {
      return Number.NaN;
    }
  };
  telemetry.gauge('data.diskFreeBytes', read((usage) => usage.freeBytes));
  telemetry.gauge('data.diskSizeBytes', read((usage) => usage.sizeBytes));
}
