/**
 * A large pick (a folder of 13,000 files) split into upload requests the server accepts: at most
 * `maxFiles` files each (`jobs.maxFilesPerUpload`, from `/v1/settings`). Each request becomes one job;
 * the order of the pick is kept, so a folder's files stay together.
 */
export function uploadBatches<T>(files: readonly T[], maxFiles: number): T[][] {
  const size = Math.max(1, Math.floor(maxFiles));
  const batches: T[][] = [];
  for (let start = 0; start < files.length; start += size) batches.push(files.slice(start, start + size));
  return batches;
}

/** The server's limit when it does not say (servers before issue 14): its default. */
export const DEFAULT_MAX_FILES_PER_UPLOAD = 1000;
