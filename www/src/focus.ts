// Keyboard focus across a panel's re-drawing: a panel that replaces its children (innerHTML,
// replaceChildren) drops the focused control, and the focus falls to the page's body, sending a
// keyboard user back to the top. `keepingFocus` puts it on the control at the same place in the
// new markup.

/** What can take the keyboard focus. */
const CONTROLS = 'button:not(:disabled), input:not(:disabled), select:not(:disabled), a[href], summary, [tabindex="0"]';

/** The element focused in `node`'s document or shadow root (the shadow root's own, not its host). */
export function focusedIn(node: Node): Element | null {
  const root = node.getRootNode();
  return root instanceof Document || root instanceof ShadowRoot ? root.activeElement : null;
}

/**
 * Runs `redraw`, which rebuilds `root`'s content; when the focus was inside `root` and the
 * focused control was replaced, focuses the control at the same place (the same child indices
 * from `root`), or, when that one cannot take the focus, the first control beside it.
 */
export function keepingFocus(root: HTMLElement, redraw: () => void): void {
  const before = focusedIn(root);
  if (!(before instanceof HTMLElement) || before === root || !root.contains(before)) {
    redraw();
    return;
  }
  const path: number[] = [];
  for (let n: Element = before; n !== root && n.parentElement; n = n.parentElement) path.unshift([...n.parentElement.children].indexOf(n));
  redraw();
  if (before.isConnected && focusedIn(root) === before) return;
  let at: Element | undefined = root;
  for (const i of path) at = at?.children[i];
  if (at instanceof HTMLElement) at.focus({ preventScroll: true });
  // Disabled now (Back on the first stage, Next on the last lesson): a control beside it.
  if (at instanceof HTMLElement && focusedIn(root) !== at) at.parentElement?.querySelector<HTMLElement>(CONTROLS)?.focus({ preventScroll: true });
}
