// @vestige/server — serves a case's scenes to the browser viewer, with sign-in and per-case access.
export { startServer, DEFAULT_VIEWER_DIR, type ServerOptions, type RunningServer } from './server.ts';
export { prepareViewer } from './viewer-build.ts';
export {
  hashPassword,
  readUsersFile,
  verifyPassword,
  newToken,
  type Principal,
  type TokenGrant,
  type LocalUser,
} from './auth.ts';
export { buildLayerIndex } from './node-index.ts';
export { CONTENT_SECURITY_POLICY, parseRange } from './http.ts';
