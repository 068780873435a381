/**
 * Bad input or bad usage: the CLI prints `message` as one line and exits 2.
 * `file` names the offending input so the message can always say which file.
 */
export class InputError extends Error {
  readonly file?: string;
  constructor(message: string, file?: string) {
    super(file ? `${file}: ${message}` : message);
    this.name = 'InputError';
    this.file = file;
  }
}

/**
 * Something this program depends on went away while it worked (e.g. the queue's Redis server in the
 * middle of a batch): neither bad input nor a bug. The CLI prints `message` as one line and exits 1.
 */
export class ServiceLostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServiceLostError';
  }
}

/** Await `work`; an InputError that names no file is raised again naming `file` (the input it came from). */
export async function namingFile<T>(file: string, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof InputError && !err.file) throw new InputError(err.message, file);
    throw err;
  }
}

/** A warning about input that is usable but suspicious (e.g. implausible voxel size metadata). */
export interface InputWarning {
  file?: string;
  message: string;
}
