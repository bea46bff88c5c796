export { main, loadCommands, reportError } from './main.ts';
export { ExitCode, type CliCommand, type CommandOutput, type ExitCodeValue } from './command.ts';
export type { DemoStep, DemoContext } from './demo/step.ts';
export { ingestExtractors } from './metadata-extractors.ts';
// What tests, benches and other programs use of the command's parts: the camera-path file reader (the viewer's
// export is checked against it) and the render nodes' viewer host. Demo steps are the subpath
// `@vestige/cli/demo/steps/*`.
export { readCameraPathFile } from './camera-path-file.ts';
export { serverViewerHost } from './render-host.ts';
