import { codePointName, hiddenCharacters } from "@cloudsession/protocol"

/**
 * Everything the CLI prints goes through here. Shares, server replies and error messages hold text someone else
 * wrote; written raw, an ESC sequence in it would act on the user's terminal (OSC 52 writes the clipboard, OSC 8
 * plants links, CSI clears the screen) and a bidi override would make a line read differently. Those characters
 * are printed as their names (`<U+001B>`); newlines and tabs stay, a lone carriage return (which would overwrite
 * the line) does not.
 */
export function terminalText(text: string): string {
  return text
    .replaceAll("\r\n", "\n")
    .replace(hiddenCharacters(), (character) => `<${codePointName(character)}>`)
    .replaceAll("\r", "<U+000D>")
}

/**
 * JSON for the terminal: the same data, with every hidden character written as a `\uXXXX` escape (JSON.stringify
 * escapes C0 controls itself, but passes DEL, C1 controls and bidi characters through as they are).
 */
export function terminalJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(hiddenCharacters(), (character) => {
    let escaped = ""
    // Code units, so a character outside the BMP (a tag character) becomes its surrogate pair, as JSON spells it.
    for (let index = 0; index < character.length; index++) {
      escaped += `\\u${character.charCodeAt(index).toString(16).padStart(4, "0")}`
    }
    return escaped
  })
}

/** Write results (what scripts read) to stdout. */
export function printOut(text: string): void {
  process.stdout.write(terminalText(text))
}

/** Write diagnostics to stderr. */
export function printErr(text: string): void {
  process.stderr.write(terminalText(text))
}
