import type { OnnxDevicePreference } from './onnx-device.js';
import type { DownloadProgress } from './download-progress.js';

/**
 * Where models live and how to fetch them. Lookup order: `modelsDir/<id>` (CAIRN_MODELS_DIR), then the
 * download cache `<home>/models/<id>`; downloads go to the cache only.
 */
export interface ModelFilesContext {
  /** CAIRN_HOME. */
  home: string;
  /** CAIRN_MODELS_DIR. */
  modelsDir?: string;
  /** Hub base URL (HF_ENDPOINT), e.g. `https://huggingface.co`; files come from `<endpoint>/<id>/resolve/main/<file>`. */
  hfEndpoint: string;
  /** ONNX weight type a pull fetches; `q8` when absent. */
  onnxDtype?: 'q8' | 'fp32' | 'fp16';
  onDownloadProgress?: (event: DownloadProgress) => void;
  fetch?: typeof fetch;
  /** Abort a download when no byte arrives for this long; 30,000 ms when absent. */
  stallTimeoutMs?: number;
  signal?: AbortSignal;
}

/** A model folder found on this machine (what `cairn models list` prints). */
export interface LocalModel {
  id: string;
  path: string;
  where: 'models-dir' | 'cache';
  /** Paths relative to `path`, `/`-separated, sorted. */
  files: string[];
  bytes: number;
}

/** What building an in-process model (embedder, cross-encoder) needs from the configuration. */
export interface LocalModelContext extends ModelFilesContext {
  /** false: local copies only (CAIRN_OFFLINE=1). */
  allowDownload: boolean;
  onnxDtype: 'q8' | 'fp32' | 'fp16';
  /** onnxruntime intra-op threads; 0 = onnxruntime's default. */
  onnxThreads: number;
  /** `embed.device` of ONNX models; `cpu` when absent. */
  onnxDevice?: OnnxDevicePreference;
  /** Remarks for the user while loading (a CUDA request that fell back to the CPU). */
  onNotice?: (text: string) => void;
}
