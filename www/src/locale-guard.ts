// Imported first by each entry point, before uPlot: uPlot builds `new Intl.NumberFormat(navigator.language)`
// when its module loads, and a browser whose language is not a BCP 47 tag (WebKitGTK under the `C`
// locale reports "C") makes that throw, which would leave the page blank. Such a browser gets
// "en-US" as its language instead, and `languageFallback` says so for a notice.

/** The invalid language tag that was replaced, or null when the browser's tag was valid. */
export let languageFallback: string | null = null;

/** Whether `tag` is a language tag `Intl` accepts. */
export function validLanguage(tag: string): boolean {
  try {
    new Intl.NumberFormat(tag);
    return true;
  } catch {
    return false;
  }
}

if (typeof navigator !== 'undefined' && !validLanguage(navigator.language)) {
  languageFallback = navigator.language;
  Object.defineProperty(navigator, 'language', { value: 'en-US', configurable: true });
}
