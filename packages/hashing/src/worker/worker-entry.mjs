// Worker bootstrap: Vestige runs TypeScript without a build step, and worker threads do not inherit the
// parent's TypeScript loader, so register tsx here before loading the real worker module.
import { register } from 'tsx/esm/api';

register();
await import('./worker-main.ts');
