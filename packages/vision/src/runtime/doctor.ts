import { isVestigeError } from '@vestige/evidence';
import { MODELS } from '../models/manifest.ts';
import { readVerifiedModelFiles } from '../models/model-files.ts';
import { backendLabel, selectBackend, type BackendReport } from './backend.ts';

export interface VisionCheck {
  readonly ok: boolean;
  /** The backend models run on here, or null when none could start. */
  readonly backend: BackendReport | null;
  readonly label: string | null;
  readonly error: string | null;
  /** Every model file checked against the manifest (package version, licence, size, SHA-256). */
  readonly models: ReadonlyArray<{
    readonly id: string;
    readonly version: string;
    readonly ok: boolean;
    readonly problem: string | null;
  }>;
}

/**
 * What `vestige doctor` reports for vision: the backend really in use, and whether every model file is the pinned one.
 */
export async function checkVision(): Promise<VisionCheck> {
  let backend: BackendReport | null = null;
  let error: string | null = null;
  try {
    backend = await selectBackend();
  } catch (err) {
    if (!isVestigeError(err)) throw err;
    error = `${err.code}: ${err.message}`;
  }
  const models = MODELS.map((m) => {
    try {
      readVerifiedModelFiles(m);
      return { id: m.id, version: m.version, ok: true, problem: null };
    } catch (err) {
      if (!isVestigeError(err)) throw err;
      return { id: m.id, version: m.version, ok: false, problem: `${err.code}: ${err.message}` };
    }
  });
  return {
    ok: backend !== null && models.every((m) => m.ok),
    backend,
    label: backend ? backendLabel(backend) : null,
    error,
    models,
  };
}
