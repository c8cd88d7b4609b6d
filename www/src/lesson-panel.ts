// The lesson panel beside the charts: the claim and its paper, a prediction to make before
// running, Run, the checks ticking as the runs report, then why (the explanation and what the
// paper found). It draws what lesson-controller.ts tells it and reports clicks back; lesson text
// is always set as text, never parsed as HTML.

import { el } from './controls';
import { keepingFocus } from './focus';
import type { MeasureInfo } from './schema';
import { checkWords, chosen, verdictWords, type CheckState, type Lesson, type Progress, type Report } from './lessons';

export interface PanelEvents {
  answer(question: number, choice: number): void;
  run(): void;
  go(lessonId: string): void;
  /** Back to the lesson's own setup after the page's knobs were changed. */
  restore(): void;
  resetProgress(): void;
}

/** What the panel shows of a lesson besides the lesson itself. */
export interface PanelView {
  lesson: Lesson;
  /** Every lesson, in order (Previous / Next, progress). */
  lessons: readonly Lesson[];
  progress: Progress;
  /** What runs: `2 variants × 3 paired seeds: …`. */
  setup: string;
  /** The page's knobs are the lesson's setup exactly. */
  pristine: boolean;
  /** Why the checks cannot read the runs (e.g. the page has other variants), or ''. */
  mismatch: string;
  /** The measures checks name (the schema's), for their words. */
  measures: readonly MeasureInfo[];
}

/** How far the runs are: none yet, training, or every run finished. */
export type RunPhase = 'idle' | 'running' | 'done';

const MARKS: Record<CheckState, string> = { held: '✓', failed: '✗', pending: '…' };
/** The marks in words, for a screen reader. */
const SPOKEN: Record<CheckState, string> = { held: 'Held', failed: 'Did not hold', pending: 'Not measured' };

/** Lesson text with its `code` spans as <code> elements (built as nodes: the text is never HTML). */
function rich(text: string): (Node | string)[] {
  return text.split('`').map((part, i) => (i % 2 === 1 ? el('code', { textContent: part }) : part));
}

export class LessonPanel {
  private view: PanelView | null = null;
  private report: Report | null = null;
  private phase: RunPhase = 'idle';
  /** The explanation was asked for before the runs finished. */
  private revealed = false;
  private runButton: HTMLButtonElement | null = null;
  private runHint: HTMLElement | null = null;
  private observe: HTMLElement | null = null;
  private why: HTMLElement | null = null;
  /** The verdict and every check's result, in words: what the live region says once the runs finish. */
  private spoken = '';

  constructor(private readonly root: HTMLElement, private readonly events: PanelEvents) {}

  /** Draws `view` (null: no lesson, the panel hides). Keeps the report when the lesson is the same. */
  show(view: PanelView | null): void {
    if (view?.lesson.id !== this.view?.lesson.id) {
      this.report = null;
      this.revealed = false;
    }
    this.view = view;
    this.root.hidden = view === null;
    this.root.closest('.app')?.classList.toggle('with-lesson', view !== null);
    if (!view) {
      this.root.replaceChildren();
      return;
    }
    const { lesson } = view;
    this.root.dataset.lesson = lesson.id;
    keepingFocus(this.root, () => this.root.replaceChildren(
      this.head(view),
      this.predict(view),
      this.runStep(view),
      this.observeStep(),
      this.whyStep(lesson),
      this.foot(view),
    ));
    this.update();
  }

  /** The verdict and each check's result as one text (for a live region). */
  summary(): string {
    return this.spoken;
  }

  /** The latest checks (null: none yet) and how far the runs are. */
  checks(report: Report | null, phase: RunPhase): void {
    this.report = report;
    this.phase = phase;
    this.update();
  }

  private head(view: PanelView): HTMLElement {
    const { lesson } = view;
    const index = view.lessons.findIndex((l) => l.id === lesson.id);
    const link = el('a', { textContent: `${lesson.paper.title} (arXiv ${lesson.paper.arxiv})` });
    link.href = `https://arxiv.org/abs/${encodeURIComponent(lesson.paper.arxiv)}`;
    link.target = '_blank';
    link.rel = 'noopener';
    link.dataset.testid = 'lesson-paper';
    return el('header', { className: 'lesson-head' }, [
      el('p', { className: 'kicker', textContent: `Lesson ${index + 1} of ${view.lessons.length}` }),
      el('h2', { textContent: lesson.title }),
      el('p', { className: 'claim' }, [el('strong', { textContent: 'The claim. ' }), ...rich(lesson.claim)]),
      el('p', { className: 'paper' }, ['From ', link]),
    ]);
  }

  private predict(view: PanelView): HTMLElement {
    const { lesson, progress } = view;
    const box = el('section', { className: 'step predict' }, [el('h3', { textContent: '1 · Predict' })]);
    box.dataset.testid = 'predict';
    if (lesson.predict.length === 0) box.append(el('p', { className: 'muted', textContent: 'No question here: go ahead and run.' }));
    lesson.predict.forEach((q, k) => {
      const choice = chosen(lesson, progress, k);
      const item = el('div', { className: 'question' }, [el('p', { className: 'ask' }, rich(q.question))]);
      item.dataset.testid = `question-${k}`;
      item.dataset.answered = String(choice !== null);
      const choices = el('div', { className: 'choices' });
      q.choices.forEach((text, i) => {
        const b = el('button', { className: 'choice', textContent: text });
        b.dataset.choice = String(i);
        b.disabled = choice !== null;
        if (choice !== null) {
          if (i === q.answer) b.classList.add('right');
          if (i === choice) b.classList.add('chosen');
          if (i === choice && i !== q.answer) b.classList.add('wrong');
        }
        b.addEventListener('click', () => {
          this.events.answer(k, i);
          // The chosen button is disabled now: the focus goes to the answer's why, read next.
          this.root.querySelector<HTMLElement>(`[data-testid="why-${k}"]`)?.focus();
        });
        choices.append(b);
      });
      item.append(choices);
      if (choice === null) {
        item.append(el('p', { className: 'muted', textContent: 'Choose an answer to see why and to unlock Run.' }));
      } else {
        const right = choice === q.answer;
        const reveal = el('p', { className: `reveal ${right ? 'right' : 'wrong'}` }, [
          el('strong', { textContent: right ? 'Right. ' : `Not quite: the answer is “${q.choices[q.answer] ?? ''}”. ` }),
          ...rich(q.why),
        ]);
        reveal.dataset.testid = `why-${k}`;
        reveal.tabIndex = -1;
        item.append(reveal);
      }
      box.append(item);
    });
    return box;
  }

  private runStep(view: PanelView): HTMLElement {
    const run = el('button', { className: 'primary', textContent: 'Run the lesson' });
    run.dataset.testid = 'lesson-run';
    run.addEventListener('click', () => {
      if (this.phase !== 'running') this.events.run();
    });
    this.runButton = run;
    this.runHint = el('span', { className: 'muted' });
    const box = el('section', { className: 'step' }, [
      el('h3', { textContent: '2 · Run' }),
      el('p', { className: 'setup', textContent: view.setup }),
      el('p', { className: 'run-line' }, [run, ' ', this.runHint]),
    ]);
    if (!view.pristine) {
      const back = el('button', { className: 'small', textContent: 'back to the lesson’s setup' });
      back.addEventListener('click', () => this.events.restore());
      const note = el('p', { className: 'edited' }, ['You changed the lesson’s setup: the checks read the runs you make. ', back]);
      note.dataset.testid = 'lesson-edited';
      box.append(note);
    }
    return box;
  }

  private observeStep(): HTMLElement {
    this.observe = el('div');
    const box = el('section', { className: 'step observe' }, [
      el('h3', { textContent: '3 · Observe' }),
      el('p', { className: 'muted', textContent: 'Each check compares two variants seed by seed (seed k of both shares its prompts, weights and warm-up).' }),
      this.observe,
    ]);
    box.dataset.testid = 'observe';
    return box;
  }

  private whyStep(lesson: Lesson): HTMLElement {
    const show = el('button', { className: 'small', textContent: 'show it now' });
    show.addEventListener('click', () => {
      this.revealed = true;
      this.update();
    });
    const body = el('div', { className: 'why-body' }, [
      el('p', {}, rich(lesson.explanation)),
      el('p', {}, [el('strong', { textContent: 'What the paper reported. ' }), ...rich(lesson.paper_reported)]),
    ]);
    body.dataset.testid = 'lesson-explanation';
    this.why = el('section', { className: 'step why' }, [
      el('h3', {}, ['4 · Why ', show]),
      el('p', { className: 'muted wait', textContent: 'Shown once the runs finish.' }),
      body,
    ]);
    return this.why;
  }

  private foot(view: PanelView): HTMLElement {
    const { lessons, lesson, progress } = view;
    const index = lessons.findIndex((l) => l.id === lesson.id);
    const nav = (label: string, to: Lesson | undefined, testid: string): HTMLButtonElement => {
      const b = el('button', { textContent: label, title: to ? to.title : '' });
      b.dataset.testid = testid;
      b.disabled = !to;
      b.addEventListener('click', () => {
        if (to) this.events.go(to.id);
      });
      return b;
    };
    const answered = lessons.filter((l) => l.predict.length > 0 && l.predict.every((_, k) => chosen(l, progress, k) !== null)).length;
    const completed = lessons.filter((l) => progress[l.id]?.completed === true).length;
    const reset = el('button', { className: 'small', textContent: 'forget my answers', title: 'clear the answers and completed lessons kept in this browser' });
    reset.addEventListener('click', () => this.events.resetProgress());
    const counts = el('span', { className: 'muted', textContent: `Your progress: ${answered} of ${lessons.length} answered, ${completed} completed ` });
    counts.dataset.testid = 'lesson-progress';
    return el('footer', { className: 'lesson-foot full' }, [
      nav('‹ Previous', lessons[index - 1], 'lesson-prev'),
      nav('Next ›', lessons[index + 1], 'lesson-next'),
      el('span', { className: 'progress' }, [counts, reset]),
    ]);
  }

  /** The parts that follow the runs: Run's state, the checks, the verdict, the explanation. */
  private update(): void {
    const view = this.view;
    if (!view || !this.observe || !this.why || !this.runButton || !this.runHint) return;
    const { lesson, progress } = view;
    const ready = lesson.predict.every((_, k) => chosen(lesson, progress, k) !== null);
    // While the runs train, Run keeps the focus (aria-disabled): a disabled button would drop it.
    this.runButton.disabled = !ready;
    this.runButton.setAttribute('aria-disabled', String(this.phase === 'running'));
    this.runButton.textContent = this.phase === 'done' ? 'Run it again' : 'Run the lesson';
    this.runHint.textContent = !ready ? 'Answer the question first.' : this.phase === 'running' ? 'Training… the checks below fill in as steps arrive.' : '';

    const labels = Object.fromEntries(lesson.setup.variants.map((v) => [v.id, v.label]));
    const states: CheckState[] = [];
    const lines: string[] = [];
    const rows = lesson.observe.map((o, k) => {
      const result = view.mismatch === '' ? (this.report?.checks[k] ?? null) : null;
      const words = checkWords(o, result, labels, view.measures);
      states.push(words.state);
      lines.push(`${SPOKEN[words.state]}: ${words.line}.`);
      const row = el('li', { className: `check ${words.state}`, title: words.means }, [
        el('span', { className: 'mark', textContent: MARKS[words.state] }),
        el('span', { className: 'words' }, [
          el('span', { className: 'line', textContent: words.line }),
          el('span', { className: 'per-seed', textContent: words.perSeed }),
          el('span', { className: 'means', textContent: words.means }),
        ]),
      ]);
      row.dataset.testid = `check-${k}`;
      row.dataset.checkState = words.state;
      row.dataset.seedsHeld = String(result?.seeds_held ?? 0);
      row.dataset.seeds = String(result?.seeds ?? 0);
      row.dataset.pairedMean = result?.paired_mean === null || result === null ? '' : String(result.paired_mean);
      return row;
    });
    const done = this.phase === 'done';
    const verdict = el('p', { className: 'verdict', textContent: view.mismatch !== '' ? view.mismatch : verdictWords(states, done) });
    verdict.dataset.testid = 'lesson-verdict';
    this.observe.replaceChildren(verdict, el('ul', { className: 'checks' }, rows));
    this.spoken = [verdict.textContent ?? '', ...lines].join(' ');
    this.observe.parentElement?.setAttribute('data-done', String(done));

    const open = done || this.revealed;
    this.why.classList.toggle('open', open);
    this.root.dataset.done = String(done);
  }
}
