import { messageElementId, PAGE_IDS, turnElementId } from "./dom-ids.ts"

/** One turn of the session as the index lists it: the prompt that opened it. */
export type TurnEntry = {
  /** The user message that opens the turn. */
  messageID: string
  /** The start of the prompt's text (already cut short), or "" when it has none. */
  label: string
  /** Whether the turn is on this page; turns that are not are linked through `?at=`, which loads a page with them. */
  loaded: boolean
}

/** Characters of a prompt shown in the index. */
export const TURN_LABEL_CHARS = 90

export function turnLabel(text: string): string {
  const line = text.trim().split("\n", 1)[0] ?? ""
  return line.length > TURN_LABEL_CHARS ? `${line.slice(0, TURN_LABEL_CHARS - 1)}…` : line
}

export function turnHref(entry: TurnEntry): string {
  const anchor = `#${messageElementId(entry.messageID)}`
  return entry.loaded ? anchor : `?at=${encodeURIComponent(entry.messageID)}${anchor}`
}

/** One turn in the index; its id and sort key let the live script add a new turn in order. */
export function TurnItem(props: { entry: TurnEntry }) {
  return (
    <li data-sort={props.entry.messageID} id={turnElementId(props.entry.messageID)}>
      <a href={turnHref(props.entry)}>{props.entry.label === "" ? "(no text)" : props.entry.label}</a>
    </li>
  )
}

/**
 * The turn index: every prompt of the session, numbered, each a link to its turn. On a wide screen it is a sticky
 * column beside the conversation; on a phone a menu behind a toggle. The list numbers itself (an `<ol>`), so a turn
 * the live script inserts is numbered too. The toggle is a checkbox the stylesheet reads,
 * so the menu opens without script.
 */
export function TurnIndex(props: { turns: TurnEntry[] }) {
  return (
    <nav class="turn-index" id="turn-index" aria-label="Turns">
      <input type="checkbox" id="turns-toggle" class="sr-only" />
      <label for="turns-toggle" class="turns-button">
        Turns
      </label>
      <ol class="turns" id={PAGE_IDS.turns}>
        {props.turns.map((entry) => (
          <TurnItem entry={entry} />
        ))}
      </ol>
      <a class="to-latest" href="#latest">
        Latest turn ↓
      </a>
    </nav>
  )
}
