import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** `embed.device`: where the in-process ONNX models (embedder, cross-encoder) run. */
export type OnnxDevicePreference = 'cpu' | 'cuda' | 'auto';
/** Where a model was actually loaded. */
export type OnnxDevice = 'cpu' | 'cuda';

export interface OnDeviceResult<T> {
  value: T;
  device: OnnxDevice;
}

/**
 * Loads a model on the preferred device. `cpu` loads on the CPU. `cuda` and `auto` try onnxruntime's
 * CUDA execution provider when this onnxruntime-node install has it, and fall back to the CPU when it
 * is missing or the session cannot be created (no GPU, no driver, wrong CUDA version); `cuda` then
 * says so through `onNotice` (once per reason: the composition root's notice de-duplicates), `auto`
 * falls back silently. The device used is returned so ingest reports can show it.
 */
export async function loadOnDevice<T>(
  preference: OnnxDevicePreference,
  label: string,
  load: (device: OnnxDevice) => Promise<T>,
  onNotice?: (text: string) => void,
): Promise<OnDeviceResult<T>> {
  if (preference === 'cpu') return { value: await load('cpu'), device: 'cpu' };
  const missing = cudaProviderMissing();
  let reason = missing;
  if (missing === undefined) {
    try {
      return { value: await load('cuda'), device: 'cuda' };
    } catch (error) {
      reason = `the CUDA execution provider failed to start (${firstLine((error as Error).message)})`;
    }
  }
  if (preference === 'cuda') {
    onNotice?.(
      `${label} runs on the CPU: embed.device is cuda but ${reason}. Install onnxruntime-node with ONNXRUNTIME_NODE_INSTALL_CUDA=v12 on a machine with an NVIDIA GPU and CUDA 12, or set CAIRN_EMBED_DEVICE=cpu to silence this.`,
    );
  }
  return { value: await load('cpu'), device: 'cpu' };
}

/**
 * Why the CUDA provider cannot load, read from the install without touching onnxruntime (whose failed
 * provider load prints an error line of its own): not Linux x64, or no `libonnxruntime_providers_cuda.so`
 * beside the binding (npm installs skip the CUDA download with ONNXRUNTIME_NODE_INSTALL=skip or offline).
 * undefined when the provider library is present.
 */
export function cudaProviderMissing(): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return `onnxruntime-node has no CUDA provider for ${process.platform}-${process.arch}`;
  let root: string;
  try {
    root = dirname(dirname(createRequire(import.meta.url).resolve('onnxruntime-node')));
  } catch {
    return 'onnxruntime-node is not installed';
  }
  const bin = join(root, 'bin');
  const found = existsSync(bin) && readdirSync(bin).some((napi) => existsSync(join(bin, napi, 'linux', 'x64', 'libonnxruntime_providers_cuda.so')));
  return found ? undefined : `this onnxruntime-node install has no CUDA provider library (libonnxruntime_providers_cuda.so in ${bin})`;
}

/** onnxruntime's messages carry terminal colour codes (ESC [ … m). */
const COLOUR_CODES = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? text).replace(COLOUR_CODES, '').slice(0, 300);
}
