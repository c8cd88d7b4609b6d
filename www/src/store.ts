// The page's store: one model (the state the page shows, the state the runs were made from, a
// replay), changed only by dispatching an action. `transition` is the whole of how an action
// changes the model (pure: it returns a new model and never changes the old one); the panels
// subscribe and re-draw from the model, one way: control → action → transition → subscribers.

import { withLive } from './live';
import { lessonOf, lessonState } from './lesson-state';
import type { StepMetrics } from './metrics';
import type { Saved } from './persist';
import type { Device } from './protocol';
import type { Replay } from './replay';
import { setAlgoKnob } from './resolve';
import { specOf, type Catalog, type JsonValue, type KnobValue, type TaskName } from './schema';
import { MAX_VARIANTS, MIN_VARIANTS, newVariant, taskState, type BackendChoice, type ModelChoice, type State } from './state';
import { parse, serialize } from './url';

export interface Model {
  /** What the page shows, and its link. */
  readonly state: State;
  /**
   * The state the current runs were made from, live changes included (null before the first
   * runs). While a replay is shown it *is* `state` (the same object): the knobs edit what the
   * replay shows, no runs train it, so no field waits for a Reset and nothing goes live.
   */
  readonly applied: State | null;
  /** A finished comparison's metrics, shown in place of the runs' until the next apply. */
  readonly replay: StepMetrics[][][] | null;
}

/** A change of one knob or part of the state, as a control makes it. */
export type Edit =
  /** Another task: its defaults for the task knobs, model and trainer knobs. */
  | { type: 'task'; task: TaskName }
  | { type: 'task-knob'; key: string; value: KnobValue }
  | { type: 'model'; model: ModelChoice }
  /** A shared trainer knob. */
  | { type: 'train'; key: string; value: KnobValue }
  | { type: 'seeds'; value: number }
  | { type: 'seed'; value: number }
  | { type: 'backend'; backend: BackendChoice }
  | { type: 'colour'; variant: number; colour: string }
  | { type: 'label'; variant: number; label: string }
  /** Another preset; a label that was the old preset's name follows it. */
  | { type: 'preset'; variant: number; preset: string }
  /** An optimizer knob of a variant: an override, or none when it is the preset's value. */
  | { type: 'algo-knob'; variant: number; key: string; value: JsonValue }
  /** All of a variant's overrides (checked by the caller against the schema). */
  | { type: 'overrides'; variant: number; overrides: Record<string, JsonValue> }
  /** All of a variant's own trainer knobs (checked by the caller against the schema). */
  | { type: 'variant-train'; variant: number; train: Record<string, JsonValue> }
  /** One more variant (up to MAX_VARIANTS), of the first preset no variant has yet. */
  | { type: 'add-variant' }
  /** One variant fewer (down to MIN_VARIANTS). */
  | { type: 'remove-variant'; variant: number }
  /** Lesson `id`'s whole setup (the backend choice kept). */
  | { type: 'lesson'; id: string }
  /** The same knobs without their lesson (the link then names them all). */
  | { type: 'free-play' };

export type Action =
  | Edit
  /** A link's state replaces the shown one. */
  | { type: 'link'; state: State }
  /** New runs of the shown state on `device` (from `saved`, its saved runs, when given). */
  | { type: 'apply'; device: Device; saved?: Saved | undefined }
  /** The running sessions took the live changes between the runs' state and the shown one. */
  | { type: 'live-taken' }
  /** A finished comparison: its state shown and "applied", its metrics in place of the runs'. */
  | { type: 'replay'; replay: Replay };

export function initialModel(state: State): Model {
  return { state, applied: null, replay: null };
}

/** The model after `action`. */
export function transition(catalog: Catalog, model: Model, action: Action): Model {
  switch (action.type) {
    case 'link':
      return { ...model, state: action.state };
    case 'apply':
      // A copy through the link: the runs' state is exactly what the link says.
      return { ...model, applied: parse(serialize(model.state, catalog), catalog), replay: null };
    case 'live-taken':
      return model.applied && model.applied !== model.state ? { ...model, applied: withLive(model.applied, model.state, catalog) } : model;
    case 'replay':
      return { state: action.replay.state, applied: action.replay.state, replay: action.replay.grid };
    default: {
      const state = edited(catalog, model.state, action);
      return { ...model, state, applied: model.applied === model.state ? state : model.applied };
    }
  }
}

/** The first preset no variant has yet (the first preset when every one is taken). */
function nextPreset(catalog: Catalog, s: State): string {
  const used = new Set(s.variants.map((v) => v.preset));
  const names = catalog.presets.map((p) => p.name);
  return names.find((p) => !used.has(p)) ?? names[0] ?? 'grpo';
}

/** `current` after `edit`, as a new state. */
function edited(catalog: Catalog, current: State, edit: Edit): State {
  const s = structuredClone(current);
  switch (edit.type) {
    case 'task':
      Object.assign(s, taskState(edit.task, catalog));
      return s;
    case 'task-knob':
      s.taskKnobs[edit.key] = edit.value;
      return s;
    case 'model':
      s.model = edit.model;
      return s;
    case 'train':
      s.train[edit.key] = edit.value;
      return s;
    case 'seeds':
      s.seeds = edit.value;
      return s;
    case 'seed':
      s.seed = edit.value;
      return s;
    case 'backend':
      s.backend = edit.backend;
      return s;
    case 'add-variant':
      if (s.variants.length < MAX_VARIANTS) s.variants.push(newVariant(nextPreset(catalog, s), s.variants.length));
      return s;
    case 'remove-variant':
      if (s.variants.length > MIN_VARIANTS) s.variants.splice(edit.variant, 1);
      return s;
    case 'lesson':
      return { ...lessonState(lessonOf(catalog, edit.id), catalog), backend: s.backend };
    case 'free-play':
      s.lesson = null;
      return s;
  }
  const v = s.variants[edit.variant];
  if (!v) throw new Error(`no variant ${edit.variant}`);
  switch (edit.type) {
    case 'colour':
      v.colour = edit.colour;
      break;
    case 'label':
      v.label = edit.label;
      break;
    case 'preset':
      if (v.label === v.preset) v.label = edit.preset;
      v.preset = edit.preset;
      break;
    case 'algo-knob':
      setAlgoKnob(catalog, v, specOf(catalog.algo, edit.key, 'algo'), edit.value);
      break;
    case 'overrides':
      v.overrides = structuredClone(edit.overrides);
      break;
    case 'variant-train':
      v.train = structuredClone(edit.train);
      break;
  }
  return s;
}

/** After each action: the model it made and the action. */
export type Listener = (model: Model, action: Action) => void;

/**
 * Holds the model; `dispatch` runs the transition, then tells every subscriber in the order they
 * subscribed. An action dispatched by a subscriber waits until every subscriber heard the current
 * one, so each hears the actions in the order they changed the model.
 */
export class PageStore {
  private model: Model;
  private readonly listeners: Listener[] = [];
  private readonly queue: Action[] = [];
  private busy = false;

  constructor(private readonly catalog: Catalog, state: State) {
    this.model = initialModel(state);
  }

  get(): Model {
    return this.model;
  }

  subscribe(listener: Listener): void {
    this.listeners.push(listener);
  }

  dispatch(action: Action): void {
    this.queue.push(action);
    if (this.busy) return;
    this.busy = true;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) {
        this.model = transition(this.catalog, this.model, next);
        for (const listener of this.listeners) listener(this.model, next);
      }
    } finally {
      // A failed action drops those queued behind it: they were made for a model it did not make.
      this.queue.length = 0;
      this.busy = false;
    }
  }
}
