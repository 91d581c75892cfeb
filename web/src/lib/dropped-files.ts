/** A file to upload with the relative path it had in a dropped or chosen folder. */
export interface PickedFile {
  file: File;
  path: string;
}

/** Files of an `<input type="file">` (with `webkitdirectory`, each keeps its folder path). */
export function filesFromInput(list: FileList | null): PickedFile[] {
  return [...(list ?? [])].map((file) => ({ file, path: file.webkitRelativePath || file.name }));
}

/**
 * Files of a drop, folders walked recursively through the File and Directory Entries API. The
 * entries must be taken while the drop event runs (the DataTransfer empties afterwards), so call this
 * synchronously from the handler and await the promise after.
 */
export function filesFromDrop(transfer: DataTransfer): Promise<PickedFile[]> {
  const entries = [...transfer.items]
    .filter((item) => item.kind === 'file')
    .map((item) => item.webkitGetAsEntry?.())
    .filter((entry): entry is FileSystemEntry => Boolean(entry));
  if (entries.length === 0) return Promise.resolve([...transfer.files].map((file) => ({ file, path: file.name })));
  return Promise.all(entries.map((entry) => walk(entry, ''))).then((lists) => lists.flat());
}

async function walk(entry: FileSystemEntry, prefix: string): Promise<PickedFile[]> {
  const path = prefix ? `${prefix}/${entry.name}` : entry.name;
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    return [{ file, path }];
  }
  if (!entry.isDirectory) return [];
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const children: FileSystemEntry[] = [];
  // readEntries answers in batches (about 100 in Chromium) until an empty batch.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    children.push(...batch);
  }
  const nested = await Promise.all(children.filter((child) => !child.name.startsWith('.')).map((child) => walk(child, path)));
  return nested.flat();
}
