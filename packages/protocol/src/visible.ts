/**
 * Characters that change what text looks like without being seen: controls a terminal acts on (ESC starts OSC 52
 * clipboard writes, OSC 8 links, screen clears), bidirectional overrides and isolates that make code read in an
 * order other than the one it runs in ("Trojan Source"), and invisible format characters that hide words (tag
 * characters smuggle instructions past a reader). A share is untrusted text, so every place that shows one (the
 * server's pages, the CLI's output) marks these instead of passing them on; both use this one definition.
 *
 * Left alone on purpose: tab, newline and carriage return (callers decide about line breaks), and the joiners and
 * variation selectors (U+200C, U+200D, U+FE0E, U+FE0F) that emoji and many scripts need to render correctly.
 */
const HIDDEN_CLASS =
  "\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f\\u061c\\u180e\\u200b\\u200e\\u200f" +
  "\\u2028-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\ufeff\\ufff9-\\ufffb\\u{e0000}-\\u{e007f}"

/** One hidden character (a fresh regex each call: a global regex carries `lastIndex` between uses). */
export function hiddenCharacters(): RegExp {
  return new RegExp(`[${HIDDEN_CLASS}]`, "gu")
}

/** Whether `text` holds any character `hiddenCharacters` matches. */
export function hasHiddenCharacters(text: string): boolean {
  return new RegExp(`[${HIDDEN_CLASS}]`, "u").test(text)
}

/** `U+202E`: how a hidden character is named where it is shown (as GitHub does). */
export function codePointName(character: string): string {
  const code = character.codePointAt(0) ?? 0
  return `U+${code.toString(16).toUpperCase().padStart(4, "0")}`
}

/** `text` with each hidden character replaced by its name in angle brackets: `a<U+202E>b`. */
export function showHiddenCharacters(text: string): string {
  return text.replace(hiddenCharacters(), (character) => `<${codePointName(character)}>`)
}
