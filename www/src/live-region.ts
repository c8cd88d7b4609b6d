// What a screen reader hears without looking: two polite live regions (markup.ts), one for the
// runs' state (ready, training, paused, finished, failed; run-reports.ts says it) and one for a
// lesson's check results once the runs finish (lesson-panel.ts). A region's text is set only
// when it changes: the status line, which counts every step, is deliberately not a live region,
// so a run is a handful of announcements, not one per step.

/** A live region that says a text once, and again only after it changed (or after `forget`). */
export class LiveRegion {
  private said = '';

  constructor(private readonly element: HTMLElement) {}

  say(text: string): void {
    if (text === this.said) return;
    this.said = text;
    this.element.textContent = text;
  }

  /** New runs: the same words may be said again (a second run can end as the first did). */
  forget(): void {
    this.said = '';
  }
}
