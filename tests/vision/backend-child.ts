// Selects the tfjs backend in a fresh process (selection is once per process) and prints the report or the error as
// JSON.
import { selectBackend } from '@vestige/vision';

const from = process.argv[2];
selectBackend(from ? { nodeBackendFrom: from } : {}).then(
  (report) => process.stdout.write(JSON.stringify({ report })),
  (err: { code?: string; message: string; file?: string }) =>
    process.stdout.write(JSON.stringify({ error: { code: err.code, message: err.message, file: err.file } })),
);
