/** One progress report while a model file downloads; `done` is true once per file, after its last byte. */
export interface DownloadProgress {
  modelId: string;
  /** Path of the file inside the model folder (`onnx/model_quantized.onnx`). */
  file: string;
  loadedBytes: number;
  /** From Content-Length; absent when the server does not send it. */
  totalBytes?: number;
  done: boolean;
}
