// Run by repeatability.test.ts in a fresh Node process: prints the hashes as JSON.
import { computeHashes } from './repeatability-cases.ts';

import sharp from 'sharp';

const hashes = await computeHashes();
if (process.env.VESTIGE_THREADS && sharp.concurrency() !== Number(process.env.VESTIGE_THREADS))
  throw new Error('VESTIGE_THREADS was not applied');
process.stdout.write(JSON.stringify(hashes));
