import { codePointName, hasHiddenCharacters, hiddenCharacters } from "@cloudsession/protocol"

/** Hidden characters of one item (or fragment) shown by name; the rest are shown as U+FFFD. */
const MAX_MARKS = 256

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character] ?? character)
}

/**
 * `html` with every hidden character (bidi overrides and isolates, invisible format and tag characters, controls:
 * see `@cloudsession/protocol`'s visible.ts) shown as a marked `<U+202E>`, as GitHub does, so a diff or a path
 * cannot read differently from what it holds. Works on our own renderers' output, where `<` and `>` inside
 * attribute values are always escaped: every `<…>` is a tag. In text the character becomes a `<span>`; in an
 * attribute (a title, an alt text) its name as text.
 */
export function markHiddenCharacters(html: string): string {
  if (!hasHiddenCharacters(html)) return html
  let marked = 0
  // Past the first MAX_MARKS, each one is U+FFFD: still seen, but a text made of nothing else does not grow the
  // page 30-fold.
  const mark = (character: string) => {
    marked += 1
    if (marked > MAX_MARKS) return "\ufffd"
    return `<span class="hidden-char" title="hidden character">&lt;${codePointName(character)}&gt;</span>`
  }
  return html.replace(/(<[^>]*>)|([^<]+)/g, (_match, tag: string | undefined, text: string | undefined) => {
    if (tag !== undefined) return tag.replace(hiddenCharacters(), (character) => `&lt;${codePointName(character)}&gt;`)
    return (text ?? "").replace(hiddenCharacters(), mark)
  })
}

/**
 * `markHiddenCharacters` for a whole page: script and style contents are left alone (they are ours, and a `<span>`
 * there would break them), and in `<title>`, where markup is not parsed, a hidden character becomes its name as
 * text.
 */
export function markHiddenInPage(html: string): string {
  if (!hasHiddenCharacters(html)) return html
  return html
    .split(/(<script\b[\s\S]*?<\/script>|<style\b[\s\S]*?<\/style>|<title>[\s\S]*?<\/title>)/)
    .map((segment, index) => {
      // split() with a capture group: odd indexes are the separators.
      if (index % 2 === 0) return markHiddenCharacters(segment)
      if (!segment.startsWith("<title>")) return segment
      return segment.replace(hiddenCharacters(), (character) => `&lt;${codePointName(character)}&gt;`)
    })
    .join("")
}
