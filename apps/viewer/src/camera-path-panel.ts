/**
 * The side panel's "Camera paths" section: the controls of the camera-path editor (camera-path-editor.ts).
 * Every control is a real, focusable element with an id the end-to-end test drives.
 */
import type { CameraPathEditor } from './camera-path-editor.ts';
import { h } from './ui.ts';
import type { Viewer } from './viewer.ts';

const valueOf = (e: Event) => (e.target as HTMLInputElement).value;
const formatSeconds = (s: number) => `${s.toFixed(2)} s`;

type PanelIo = {
  download(name: string, type: string, text: string): void;
  warn(message: string): void;
  status(message: string): void;
};

export function cameraPathSection(viewer: Viewer, editor: CameraPathEditor, io: PanelIo): Node {
  const d = editor.draft;
  const problems = editor.problems;
  return h(
    'section',
    { id: 'camera-paths' },
    h('h2', {}, 'Camera paths'),
    h(
      'div',
      { class: 'inline-form' },
      pathChooser(viewer, editor),
      h('button', { type: 'button', id: 'camera-path-new', onclick: () => editor.newPath() }, 'New'),
    ),
    keyframeAdders(viewer, editor),
    h('ol', { id: 'camera-path-keyframes' }, ...d.keyframes.map((k, i) => keyframeRow(editor, k, i))),
    timingForm(editor),
    problems.length > 0 ? h('p', { class: 'error', role: 'alert' }, problems.join('; ')) : null,
    playbackControls(editor),
    fileActions(viewer, editor, io),
  );
}

/** The saved paths of the scene, and "New path". */
function pathChooser(viewer: Viewer, editor: CameraPathEditor): HTMLElement {
  const d = editor.draft;
  const saved = viewer.records.cameraPaths;
  return h(
    'select',
    {
      id: 'camera-path-select',
      'aria-label': 'Camera path',
      onchange: (e: Event) => (valueOf(e) === '' ? editor.newPath() : editor.open(valueOf(e))),
    },
    h('option', { value: '', selected: !editor.isSaved }, 'New path'),
    ...saved.map((p) =>
      h('option', { value: p.id, selected: p.id === d.id }, `${p.name} (${p.keyframes.length} keyframes)`),
    ),
  );
}

/** Adds the current view, or a saved view, as the next keyframe. */
function keyframeAdders(viewer: Viewer, editor: CameraPathEditor): HTMLElement {
  const views = viewer.records.views;
  const viewChooser = h(
    'select',
    { id: 'camera-path-view', 'aria-label': 'Saved view to add' },
    ...views.map((sv) => h('option', { value: sv.id }, sv.name)),
  );
  return h(
    'div',
    { class: 'tools' },
    h(
      'button',
      { type: 'button', id: 'camera-path-add-current', onclick: () => editor.addCurrentView() },
      'Add current view',
    ),
    views.length > 0 ? viewChooser : null,
    views.length > 0
      ? h(
          'button',
          { type: 'button', id: 'camera-path-add-view', onclick: () => editor.addSavedView(viewChooser.value) },
          'Add saved view',
        )
      : null,
  );
}

/** One keyframe: its time, show, move up or down, remove. */
function keyframeRow(
  editor: CameraPathEditor,
  k: CameraPathEditor['draft']['keyframes'][number],
  i: number,
): HTMLElement {
  const last = editor.draft.keyframes.length - 1;
  return h(
    'li',
    { 'data-index': String(i), 'data-view-id': k.viewId ?? '' },
    h('span', { class: 'keyframe-name' }, k.name ?? `Keyframe ${i + 1}`),
    ' ',
    h('input', {
      type: 'number',
      class: 'keyframe-time',
      min: '0',
      step: '0.1',
      value: String(k.time),
      'aria-label': `Time of keyframe ${i + 1} (s)`,
      onchange: (e: Event) => editor.setTime(i, Number(valueOf(e))),
    }),
    ' s ',
    h(
      'button',
      { type: 'button', class: 'small', 'aria-label': `Show keyframe ${i + 1}`, onclick: () => editor.scrub(k.time) },
      'Show',
    ),
    h(
      'button',
      {
        type: 'button',
        class: 'small keyframe-up',
        'aria-label': `Move keyframe ${i + 1} up`,
        disabled: i === 0,
        onclick: () => editor.move(i, -1),
      },
      '↑',
    ),
    h(
      'button',
      {
        type: 'button',
        class: 'small keyframe-down',
        'aria-label': `Move keyframe ${i + 1} down`,
        disabled: i === last,
        onclick: () => editor.move(i, 1),
      },
      '↓',
    ),
    h(
      'button',
      {
        type: 'button',
        class: 'small keyframe-remove',
        'aria-label': `Remove keyframe ${i + 1}`,
        onclick: () => editor.remove(i),
      },
      'Remove',
    ),
  );
}

/** The path's name, frame rate and duration. */
function timingForm(editor: CameraPathEditor): HTMLElement {
  const d = editor.draft;
  return h(
    'div',
    { class: 'inline-form' },
    h(
      'label',
      {},
      'Name ',
      h('input', {
        type: 'text',
        id: 'camera-path-name',
        value: d.name,
        onchange: (e: Event) => editor.setName(valueOf(e)),
      }),
    ),
    h(
      'label',
      {},
      'fps ',
      h('input', {
        type: 'number',
        id: 'camera-path-fps',
        min: '1',
        max: '240',
        step: '1',
        value: String(d.fps),
        onchange: (e: Event) => editor.setFps(Number(valueOf(e))),
      }),
    ),
    h(
      'label',
      {},
      'Duration (s) ',
      h('input', {
        type: 'number',
        id: 'camera-path-duration',
        min: '0',
        step: '0.1',
        placeholder: 'to last keyframe',
        value: d.duration === undefined ? '' : String(d.duration),
        onchange: (e: Event) => editor.setDuration(valueOf(e) === '' ? null : Number(valueOf(e))),
      }),
    ),
  );
}

/** Preview (plays in real time) and the scrub slider with its clock. */
function playbackControls(editor: CameraPathEditor): HTMLElement {
  const d = editor.draft;
  const problems = editor.problems;
  const clock = h(
    'span',
    { id: 'camera-path-clock' },
    `${formatSeconds(editor.time)} / ${formatSeconds(editor.duration)} · ${editor.frameCount} frames`,
  );
  const scrubber = h('input', {
    type: 'range',
    id: 'camera-path-scrub',
    'aria-label': 'Scrub the camera path (seconds)',
    min: '0',
    max: String(editor.duration),
    step: String(1 / Math.max(1, d.fps)),
    value: String(editor.time),
    disabled: d.keyframes.length === 0 || problems.length > 0,
    oninput: (e: Event) => {
      editor.scrub(Number(valueOf(e)));
      clock.textContent = `${formatSeconds(editor.time)} / ${formatSeconds(editor.duration)} · ${editor.frameCount} frames`;
    },
  });
  const follow = () => {
    scrubber.value = String(editor.time);
    clock.textContent = `${formatSeconds(editor.time)} / ${formatSeconds(editor.duration)} · ${editor.frameCount} frames`;
  };
  return h(
    'div',
    { class: 'tools' },
    h(
      'button',
      {
        type: 'button',
        id: 'camera-path-play',
        disabled: d.keyframes.length === 0 || problems.length > 0,
        onclick: () => (editor.isPlaying ? editor.stop() : editor.play(follow)),
      },
      editor.isPlaying ? 'Stop' : 'Preview',
    ),
    scrubber,
    clock,
  );
}

/** Save in the case (not in court presentation), export and import as JSON. */
function fileActions(viewer: Viewer, editor: CameraPathEditor, io: PanelIo): HTMLElement {
  const d = editor.draft;
  const problems = editor.problems;
  const importInput = h('input', {
    type: 'file',
    id: 'camera-path-import',
    accept: 'application/json,.json',
    hidden: true,
    onchange: async (e: Event) => {
      const file = (e.target as HTMLInputElement).files?.[0];
      if (!file) return;
      try {
        editor.importText(await file.text(), file.name);
        io.status(`Imported ${file.name}: Save keeps it in the case.`);
      } catch (err) {
        io.warn((err as Error).message);
      }
    },
  });
  const fileName = `${(d.name || d.id).replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60) || 'camera-path'}.camera-path.json`;
  return h(
    'div',
    { class: 'tools' },
    !viewer.info.readOnly
      ? h(
          'button',
          {
            type: 'button',
            id: 'camera-path-save',
            disabled: d.keyframes.length === 0 || problems.length > 0,
            onclick: () => void editor.save(),
          },
          editor.isSaved ? 'Save changes' : 'Save in case',
        )
      : null,
    h(
      'button',
      {
        type: 'button',
        id: 'camera-path-export',
        disabled: d.keyframes.length === 0,
        onclick: () => io.download(fileName, 'application/json', editor.exportText()),
      },
      'Export JSON',
    ),
    h('button', { type: 'button', onclick: () => importInput.click() }, 'Import JSON'),
    importInput,
  );
}
