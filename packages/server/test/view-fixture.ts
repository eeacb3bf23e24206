import type { Part, SyncData } from "@cloudsession/protocol"
import {
  makeDiff,
  makeMessage,
  makeModel,
  makeSession,
  makeTextPart,
  makeToolPart,
} from "@cloudsession/protocol/fixtures"

/**
 * A small session exercising every kind of content the viewer renders: markdown, reasoning, a tool call, a file
 * part, a diff, a model. Shared by the workerd view tests and the browser tests (it imports only the protocol).
 */
export function viewFixture(sessionID: string, title = "Refactor the parser"): SyncData[] {
  const reasoning: Part = {
    id: "prt_00000002",
    sessionID,
    messageID: "msg_00000002",
    type: "reasoning",
    text: "Thinking about **the tokenizer** first.",
    time: { start: 1_700_000_002_000 },
  }
  const file: Part = {
    id: "prt_00000004",
    sessionID,
    messageID: "msg_00000002",
    type: "file",
    mime: "text/plain",
    filename: "notes.txt",
    url: "data:text/plain;base64,aGVsbG8=",
  }
  return [
    { type: "session", data: makeSession(sessionID, { title, directory: "/home/dev/parser" }) },
    { type: "message", data: makeMessage(sessionID, 1, "user") },
    {
      type: "part",
      data: makeTextPart(sessionID, "msg_00000001", 1, "Please **refactor** `parse()`:\n\n- keep the API\n- add tests"),
    },
    { type: "message", data: makeMessage(sessionID, 2, "assistant") },
    { type: "part", data: reasoning },
    { type: "part", data: makeToolPart(sessionID, "msg_00000002", 3) },
    { type: "part", data: file },
    {
      type: "part",
      data: makeTextPart(sessionID, "msg_00000002", 5, "Done. See [the docs](https://example.com/docs)."),
    },
    {
      type: "session_diff",
      data: [
        {
          ...makeDiff("src/parser.ts", 2, 1),
          before: "const a = 1\nold()\nconst z = 26\n",
          after: "const a = 1\nfresh()\nmore()\nconst z = 26\n",
        },
      ],
    },
    { type: "model", data: [makeModel("claude-sonnet", "anthropic")] },
  ]
}

/** Text that would run script, were it not sanitised: each variant sets a global the tests look for. */
export const HOSTILE_MARKDOWN = [
  "Hostile content below.",
  "",
  "<img src=x onerror=\"window.__pwned = 'img'\">",
  "",
  "<script>window.__pwned = 'script'</script>",
  "",
  "[click me](javascript:window.__pwned='link')",
  "",
  "<a href=\"javascript:window.__pwned='raw-link'\">raw link</a>",
  "",
  "<svg onload=\"window.__pwned='svg'\"></svg>",
  "",
  "<iframe src=\"javascript:window.__pwned='iframe'\"></iframe>",
].join("\n")
