/** Models come from npm packages, and are loaded only when every file is the one the manifest pins. */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MODELS, SSD_MOBILENET_V1_FACES, SsdFaceDetector, readVerifiedModelFiles } from '@vestige/vision';
import { makeTempDir } from '../support.ts';

const tmp = makeTempDir('vestige-models-');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A copy of the SSD model's files in a folder of its own, to damage. */
function ssdCopy(name: string): string {
  const source = readVerifiedModelFiles(SSD_MOBILENET_V1_FACES);
  const dir = join(tmp, name);
  for (const file of Object.values(SSD_MOBILENET_V1_FACES.files)) {
    fs.mkdirSync(join(dir, 'model'), { recursive: true });
    fs.copyFileSync(join(source.folder, file.path), join(dir, file.path));
  }
  return dir;
}

describe('model files', () => {
  it('are all shipped inside the pinned npm packages and match the manifest (sizes, SHA-256, package version and licence)', () => {
    for (const model of MODELS) {
      const files = readVerifiedModelFiles(model);
      expect([...files.bytes.keys()].sort()).toEqual(Object.keys(model.files).sort());
      expect(files.folder).toContain(`/node_modules/${(model.location as { package: string }).package}`);
      expect(model.licence).toBe('MIT');
      expect(model.source).toMatch(/^https:\/\/github\.com\//);
    }
  });

  it('refuse to load when a weight file was altered by one byte (E_MODEL_ALTERED naming the file)', async () => {
    const dir = ssdCopy('altered');
    const weights = join(dir, SSD_MOBILENET_V1_FACES.files.weights!.path);
    const bytes = fs.readFileSync(weights);
    bytes[1000] = bytes[1000]! ^ 0x01;
    fs.writeFileSync(weights, bytes);
    expect(() => readVerifiedModelFiles(SSD_MOBILENET_V1_FACES, { folder: dir })).toThrow(
      expect.objectContaining({ code: 'E_MODEL_ALTERED', file: weights }),
    );
    await expect(new SsdFaceDetector({ minScore: 0.5, folder: dir }).load()).rejects.toMatchObject({
      code: 'E_MODEL_ALTERED',
      file: weights,
    });
  });

  it('refuse to load when a file is missing (E_MODEL_MISSING naming the file)', () => {
    const dir = ssdCopy('missing');
    const manifest = join(dir, SSD_MOBILENET_V1_FACES.files.manifest!.path);
    fs.rmSync(manifest);
    expect(() => readVerifiedModelFiles(SSD_MOBILENET_V1_FACES, { folder: dir })).toThrow(
      expect.objectContaining({ code: 'E_MODEL_MISSING', file: manifest }),
    );
  });
});
