// The fields a panel watches for a difference from the runs: a field whose value the runs were
// not made with shows its "on Reset" tag (class `pending`) until a Reset or Run makes new runs.

import type { State } from './state';

/** Whether a field's value in `state` differs from the one the runs were made with (`applied`). */
export type Differs = (applied: State, state: State) => boolean;

export class PendingFields {
  private fields: { el: HTMLElement; differs: Differs }[] = [];

  /** Forgets the fields (a panel re-built them). */
  clear(): void {
    this.fields = [];
  }

  /** `el`, watched with `differs`. */
  watch(el: HTMLElement, differs: Differs): HTMLElement {
    this.fields.push({ el, differs });
    return el;
  }

  /** Tags each field whose value differs from `applied` (none before the first runs). */
  mark(applied: State | null, state: State): void {
    for (const f of this.fields) f.el.classList.toggle('pending', applied !== null && f.differs(applied, state));
  }
}
