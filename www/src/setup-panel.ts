// The setup panel: the task and its knobs, the model, the trainer knobs (the schema's others under
// "more training knobs"), seeds, seed and backend. Each control dispatches its edit to the store;
// the panel is re-built from the state when what it lists changed (another task, another state,
// a "more" knob's changed count), and otherwise keeps its fields (and the focus in them).

import { caption, el, field, knobField, select, type Option } from './controls';
import { keepingFocus } from './focus';
import { PendingFields } from './pending-fields';
import { sameValue, type Catalog, type JsonValue, type TaskName } from './schema';
import {
  BACKEND_CHOICES, MODEL_SIZES, SEED_KNOB, SEEDS_KNOB, TRAIN_KEYS, modelNumbers, moreTrainSpecs, taskSpecs, taskState, trainSpecs,
  type ModelChoice, type State,
} from './state';
import type { Action, Edit, Model } from './store';

/** How the task menu (and a lesson's setup sentence) describes a task (other tasks: their name). */
export const TASK_TITLES: Record<TaskName, string> = {
  arithmetic: 'arithmetic (12+7=)',
  chain: 'chain (3+5+2=, sums)',
  maze: 'maze (walk to goal)',
  bandit: 'bandit (best arm)',
};

/** The actions after which the panel is re-built (besides a "more training knobs" change). */
const REBUILT_BY: readonly Action['type'][] = ['task', 'lesson', 'link', 'replay'];

export class SetupPanel {
  private readonly pending = new PendingFields();
  /** Whether the "more training knobs" list is open (re-building keeps it so). */
  private moreOpen = false;

  constructor(
    private readonly root: HTMLElement,
    private readonly catalog: Catalog,
    private readonly dispatch: (edit: Edit) => void,
  ) {}

  /** Re-builds the panel when `action` changed what it lists. */
  update(model: Model, action: Action): void {
    const more = action.type === 'train' && !(TRAIN_KEYS as readonly string[]).includes(action.key);
    if (more || REBUILT_BY.includes(action.type)) this.render(model.state);
  }

  /** Tags the fields whose value the runs (`applied`) were not made with. */
  markPending(applied: State | null, state: State): void {
    this.pending.mark(applied, state);
  }

  /** Builds the panel's fields for `state`. */
  render(state: State): void {
    const { catalog, dispatch } = this;
    this.pending.clear();
    const w = this.pending.watch.bind(this.pending);
    // A new task brings its own defaults: task knobs, model and trainer knobs all reset to them.
    const taskField = field(caption('task'), select(catalog.tasks.map((t) => ({ value: t, text: TASK_TITLES[t] ?? t })), state.task, (task) => {
      dispatch({ type: 'task', task });
    }), 'changing the task resets the task, model and training knobs to its defaults');
    const numbers = (m: State): JsonValue => modelNumbers(m.model, m.task, catalog) as unknown as JsonValue;
    keepingFocus(this.root, () => this.root.replaceChildren(
      el('h2', { textContent: 'Task' }),
      w(taskField, (a, s) => a.task !== s.task),
      ...taskSpecs(catalog, state.task).map((spec) => w(knobField(spec, state.taskKnobs[spec.key] ?? null, (value) => {
        dispatch({ type: 'task-knob', key: spec.key, value });
      }), (a, s) => a.task !== s.task || !sameValue(a.taskKnobs[spec.key], s.taskKnobs[spec.key]))),
      el('h2', { textContent: 'Model and training' }),
      w(field(caption('model'), select(this.modelOptions(state), state.model, (model) => {
        dispatch({ type: 'model', model });
      })), (a, s) => !sameValue(numbers(a), numbers(s))),
      ...trainSpecs(catalog).map((spec) => w(knobField(spec, state.train[spec.key], (v) => {
        dispatch({ type: 'train', key: spec.key, value: Number(v) });
      }), (a, s) => a.train[spec.key] !== s.train[spec.key])),
      this.moreTraining(state),
      w(knobField(SEEDS_KNOB, state.seeds, (v) => dispatch({ type: 'seeds', value: Number(v) })), (a, s) => a.seeds !== s.seeds),
      w(knobField(SEED_KNOB, state.seed, (v) => dispatch({ type: 'seed', value: Number(v) })), (a, s) => a.seed !== s.seed),
      w(field(caption('backend'), select(BACKEND_CHOICES.map((b) => ({ value: b, text: b })), state.backend, (backend) => {
        dispatch({ type: 'backend', backend });
      }), 'auto measures: CPU unless a hardware GPU proves faster'), (a, s) => a.backend !== s.backend),
    ));
  }

  /** The model menu: the named sizes, and the task's own default model when it is none of them. */
  private modelOptions(state: State): Option<ModelChoice>[] {
    const text = (m: { d_model: number; n_layers: number; n_heads: number }): string => `${m.d_model}d, ${m.n_layers}L, ${m.n_heads}h`;
    const options: Option<ModelChoice>[] = Object.entries(MODEL_SIZES).map(([name, m]) => ({ value: name as ModelChoice, text: `${name} (${text(m)})` }));
    if (state.model === 'task' || taskState(state.task, this.catalog).model === 'task') {
      options.push({ value: 'task', text: `${state.task}'s default (${text(modelNumbers('task', state.task, this.catalog))})` });
    }
    return options;
  }

  /** The trainer knobs not shown above, under a disclosure; bold where they differ from the task's default. */
  private moreTraining(state: State): HTMLElement {
    const defaults = taskState(state.task, this.catalog).train;
    const specs = moreTrainSpecs(this.catalog);
    const changed = specs.filter((spec) => !sameValue(state.train[spec.key], defaults[spec.key])).length;
    const box = el('details', { className: 'knobs more-train' });
    box.open = this.moreOpen;
    box.addEventListener('toggle', () => {
      this.moreOpen = box.open;
    });
    box.append(el('summary', { textContent: `more training knobs${changed > 0 ? ` · ${changed} changed` : ''}`, title: `the other trainer knobs; bold: not ${state.task}'s default` }));
    for (const spec of specs) {
      const f = knobField(spec, state.train[spec.key] ?? null, (value) => {
        this.dispatch({ type: 'train', key: spec.key, value });
      });
      f.classList.toggle('changed', !sameValue(state.train[spec.key], defaults[spec.key]));
      box.append(this.pending.watch(f, (a, s) => !sameValue(a.train[spec.key], s.train[spec.key])));
    }
    return box;
  }
}
