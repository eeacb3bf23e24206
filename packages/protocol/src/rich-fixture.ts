import type { FileDiff, Message, Part } from "./opencode.ts"
import type { SyncData } from "./sync.ts"

/**
 * A real-shaped OpenCode session: turns of a user prompt and the assistant's steps, with every part type the
 * agent sends (text, reasoning, each tool state including a pending one still streaming its input, files with an
 * image, patch, snapshot, agent, subtask, retry, compaction, step markers) and a multi-file diff. Deterministic, so
 * screenshots and benchmark figures compare across runs. `turns` scales it: about 24 parts a turn, so 420 turns
 * make a 10 000-part session.
 */
export type RichSessionOptions = { turns?: number; start?: number; title?: string }

const pad = (n: number, width = 8) => n.toString().padStart(width, "0")

/** A 1×1 PNG (mint), inline: the image preview of a file part. */
const PIXEL_PNG =
  "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mPU+/+/HgAGwgLA3D2bsgAAAABJRU5ErkJggg=="

const PROMPTS = [
  "The share page breaks when a session has no title. Can you find out why and fix it?",
  "Add a test for sessions with more than a thousand parts.",
  "Refactor the sync handler so it only writes the rows a batch touches.",
  "Why does `npm test` hang on CI? Look at the worker tests first.",
  "Document the new environment variables in the README.",
]

const SOURCE = `import { Hono } from "hono"
import type { Env } from "./env.ts"

/** Routes of the share API. */
export const api = new Hono<{ Bindings: Env }>()
  .get("/api/share/:id", async (c) => {
    const id = c.req.param("id")
    const share = await c.env.SHARES.get(id)
    if (share === null) return c.json({ error: "not found" }, 404)
    return c.json(share)
  })
`

const ANSWER = `The title falls back to \`undefined\` when the session has none, and the template calls \`.trim()\` on it.

\`\`\`ts
export function titleOf(session: Session): string {
  return session.title?.trim() || "Untitled session"
}
\`\`\`

| file | change |
| --- | --- |
| \`src/views/head.tsx\` | use \`titleOf\` |
| \`test/views.test.ts\` | regression test |

Run \`npm test\` to check.`

function numbered(text: string): string {
  return text
    .split("\n")
    .map((line, index) => `${String(index + 1).padStart(5, "0")}| ${line}`)
    .join("\n")
}

type Ids = { sessionID: string; part: () => string; message: () => string; clock: () => number }

function tool(ids: Ids, messageID: string, name: string, state: Record<string, unknown>): Part {
  const id = ids.part()
  return { id, sessionID: ids.sessionID, messageID, type: "tool", callID: `call_${id.slice(4)}`, tool: name, state }
}

function done(ids: Ids, input: Record<string, unknown>, title: string, output: string, metadata = {}) {
  const start = ids.clock()
  return { status: "completed", input, title, output, metadata, time: { start, end: start + 420 } }
}

function assistant(ids: Ids, parentID: string, finished: boolean): Message {
  const created = ids.clock()
  return {
    id: ids.message(),
    sessionID: ids.sessionID,
    role: "assistant",
    parentID,
    modelID: "claude-sonnet-4-5",
    providerID: "anthropic",
    mode: "build",
    agent: "build",
    path: { cwd: "/home/dev/cloudsession", root: "/home/dev/cloudsession" },
    cost: finished ? 0.0123 : 0,
    tokens: { input: 12_400, output: 830, reasoning: 120, cache: { read: 9_800, write: 1_200 } },
    time: finished ? { created, completed: created + 14_500 } : { created },
  }
}

function stepStart(ids: Ids, messageID: string): Part {
  return { id: ids.part(), sessionID: ids.sessionID, messageID, type: "step-start", snapshot: "4f1c2e9a7b" }
}

function stepFinish(ids: Ids, messageID: string, reason: string): Part {
  return {
    id: ids.part(),
    sessionID: ids.sessionID,
    messageID,
    type: "step-finish",
    reason,
    snapshot: "9a7b4f1c2e",
    cost: 0.0041,
    tokens: { input: 4_100, output: 270, reasoning: 40, cache: { read: 3_200, write: 400 } },
  }
}

function text(ids: Ids, messageID: string, body: string, extra: Record<string, unknown> = {}): Part {
  const start = ids.clock()
  return {
    id: ids.part(),
    sessionID: ids.sessionID,
    messageID,
    type: "text",
    text: body,
    time: { start, end: start + 900 },
    ...extra,
  }
}

/** One turn: the prompt, then three assistant messages (look around, change things, answer). */
function turn(ids: Ids, index: number, items: SyncData[], last: boolean): void {
  const session = ids.sessionID
  const user: Message = {
    id: ids.message(),
    sessionID: session,
    role: "user",
    agent: "build",
    model: { providerID: "anthropic", modelID: "claude-sonnet-4-5" },
    time: { created: ids.clock() },
  }
  const push = (part: Part) => items.push({ type: "part", data: part })
  items.push({ type: "message", data: user })
  push(text(ids, user.id, `${PROMPTS[index % PROMPTS.length]} (turn ${index + 1})`))
  if (index % 5 === 0) {
    push({
      id: ids.part(),
      sessionID: session,
      messageID: user.id,
      type: "file",
      mime: "image/png",
      filename: "screenshot.png",
      url: PIXEL_PNG,
    })
    push({
      id: ids.part(),
      sessionID: session,
      messageID: user.id,
      type: "agent",
      name: "explore",
      source: { value: "@explore", start: 0, end: 8 },
    })
  }
  if (index % 7 === 3) {
    push({
      id: ids.part(),
      sessionID: session,
      messageID: user.id,
      type: "subtask",
      agent: "general",
      description: "Survey the tests",
      prompt: "List every test file that starts a Worker and say how long each takes.",
    })
  }
  if (index % 11 === 6)
    push({ id: ids.part(), sessionID: session, messageID: user.id, type: "compaction", auto: true, overflow: false })

  const look = assistant(ids, user.id, true)
  items.push({ type: "message", data: look })
  push(stepStart(ids, look.id))
  const thinkStart = ids.clock()
  push({
    id: ids.part(),
    sessionID: session,
    messageID: look.id,
    type: "reasoning",
    text: "The page renders `session.title.trim()`; an **untitled** session has no title, so that throws. I should read the view first.",
    time: { start: thinkStart, end: thinkStart + 3_200 },
  })
  push(text(ids, look.id, "Let me look at how the share route loads the session before changing anything."))
  push(
    tool(
      ids,
      look.id,
      "read",
      done(
        ids,
        { filePath: "/home/dev/cloudsession/src/routes/share.ts" },
        "src/routes/share.ts",
        `<file>\n${numbered(SOURCE)}\n</file>`,
      ),
    ),
  )
  push(
    tool(
      ids,
      look.id,
      "grep",
      done(
        ids,
        { pattern: "title", path: "src" },
        "title",
        "Found 3 matches\nsrc/views/head.tsx:\n  Line 12: const title = session.title.trim()\nsrc/routes/share.ts:\n  Line 9: title: share.title",
      ),
    ),
  )
  push(
    tool(
      ids,
      look.id,
      "glob",
      done(ids, { pattern: "test/**/*.test.ts" }, "test/**/*.test.ts", "test/share.test.ts\ntest/views.test.ts"),
    ),
  )
  if (index % 9 === 4)
    push({
      id: ids.part(),
      sessionID: session,
      messageID: look.id,
      type: "retry",
      attempt: 2,
      error: {
        name: "APIError",
        data: {
          message: "Overloaded (529): the provider is busy, retrying in 4 s",
          statusCode: 529,
          isRetryable: true,
        },
      },
      time: { created: ids.clock() },
    })
  push(stepFinish(ids, look.id, "tool-calls"))

  const change = assistant(ids, user.id, true)
  items.push({ type: "message", data: change })
  push(stepStart(ids, change.id))
  const diff =
    "Index: src/views/head.tsx\n===================================================================\n--- src/views/head.tsx\n+++ src/views/head.tsx\n@@ -10,5 +10,5 @@\n export function Head(props: { session: Session }) {\n-  const title = props.session.title.trim()\n+  const title = titleOf(props.session)\n   return <h1>{title}</h1>\n }\n"
  push(
    tool(
      ids,
      change.id,
      "edit",
      done(
        ids,
        {
          filePath: "/home/dev/cloudsession/src/views/head.tsx",
          oldString: "const title = props.session.title.trim()",
          newString: "const title = titleOf(props.session)",
        },
        "src/views/head.tsx",
        "Edit applied successfully.",
        { diff, filediff: { file: "src/views/head.tsx", additions: 1, deletions: 1 } },
      ),
    ),
  )
  push(
    tool(
      ids,
      change.id,
      "write",
      done(
        ids,
        {
          filePath: "/home/dev/cloudsession/src/views/title.ts",
          content:
            'import type { Session } from "../types.ts"\n\nexport function titleOf(session: Session): string {\n  return session.title?.trim() || "Untitled session"\n}\n',
        },
        "src/views/title.ts",
        "Wrote file successfully.",
      ),
    ),
  )
  push(
    tool(
      ids,
      change.id,
      "bash",
      done(
        ids,
        { command: "npm test -- test/views.test.ts", description: "Run the view tests" },
        "Run the view tests",
        "> vitest run test/views.test.ts\n\n ✓ test/views.test.ts (12 tests) 184ms\n\n Test Files  1 passed (1)\n      Tests  12 passed (12)\n",
        { exit: 0 },
      ),
    ),
  )
  const failed = ids.clock()
  push(
    tool(ids, change.id, "bash", {
      status: "error",
      input: { command: "npm run lint", description: "Lint" },
      error: "src/views/title.ts:3:1 lint/style/useConst: This let declares a variable that is only assigned once.",
      time: { start: failed, end: failed + 1_300 },
    }),
  )
  if (index % 4 === 1) {
    push(
      tool(
        ids,
        change.id,
        "todowrite",
        done(
          ids,
          {
            todos: [
              { id: "1", content: "Guard the missing title", status: "completed", priority: "high" },
              { id: "2", content: "Regression test", status: "in_progress", priority: "medium" },
            ],
          },
          "2 todos",
          "[]",
        ),
      ),
    )
    push(
      tool(
        ids,
        change.id,
        "task",
        done(
          ids,
          {
            description: "Check other views",
            prompt: "Find every view that reads session.title",
            subagent_type: "explore",
          },
          "Check other views",
          "Two other views read the title; both already fall back.",
          { sessionId: `ses_child_${index}` },
        ),
      ),
    )
  }
  push({
    id: ids.part(),
    sessionID: session,
    messageID: change.id,
    type: "patch",
    hash: "9a7b4f1c2e",
    files: ["/home/dev/cloudsession/src/views/head.tsx", "/home/dev/cloudsession/src/views/title.ts"],
  })
  push({ id: ids.part(), sessionID: session, messageID: change.id, type: "snapshot", snapshot: "9a7b4f1c2e" })
  push(stepFinish(ids, change.id, "tool-calls"))

  const answer = assistant(ids, user.id, !last)
  items.push({ type: "message", data: answer })
  push(stepStart(ids, answer.id))
  push(text(ids, answer.id, ANSWER))
  if (last) {
    // Still in progress: a tool the model is still writing the input of, and one that is running.
    const running = ids.clock()
    push(
      tool(ids, answer.id, "bash", {
        status: "running",
        input: { command: "npm test", description: "Run the whole suite" },
        title: "Run the whole suite",
        metadata: { output: "> vitest run\n\n ✓ test/share.test.ts (8 tests)" },
        time: { start: running },
      }),
    )
    push(
      tool(ids, answer.id, "write", {
        status: "pending",
        input: {},
        raw: '{"filePath": "/home/dev/cloudsession/docs/viewer.md", "content": "# The viewer\\n\\nShare pages render',
      }),
    )
    return
  }
  push(stepFinish(ids, answer.id, "stop"))
}

export const RICH_DIFFS: FileDiff[] = [
  {
    file: "src/views/head.tsx",
    before:
      'import type { Session } from "../types.ts"\n\nexport function Head(props: { session: Session }) {\n  const title = props.session.title.trim()\n  return <h1>{title}</h1>\n}\n',
    after:
      'import type { Session } from "../types.ts"\nimport { titleOf } from "./title.ts"\n\nexport function Head(props: { session: Session }) {\n  const title = titleOf(props.session)\n  return <h1>{title}</h1>\n}\n',
    additions: 2,
    deletions: 1,
  },
  {
    file: "src/views/title.ts",
    before: "",
    after:
      'export function titleOf(session: { title?: string }): string {\n  return session.title?.trim() || "Untitled session"\n}\n',
    additions: 3,
    deletions: 0,
  },
  {
    file: "src/legacy/old-head.ts",
    before: "export const LEGACY = true\n// kept for the old page\n",
    after: "",
    additions: 0,
    deletions: 2,
  },
  {
    path: "README.md",
    status: "modified",
    patch:
      "@@ -1,4 +1,5 @@\n # cloudsession\n \n-Share pages render sessions.\n+Share pages render sessions, titled or not.\n+Untitled sessions show as “Untitled session”.\n \n",
    additions: 2,
    deletions: 1,
  },
]

export function richSessionItems(sessionID: string, options: RichSessionOptions = {}): SyncData[] {
  const turns = options.turns ?? 3
  let partCounter = 0
  let messageCounter = 0
  let now = options.start ?? 1_735_689_600_000
  const ids: Ids = {
    sessionID,
    part: () => `prt_${pad(++partCounter)}`,
    message: () => `msg_${pad(++messageCounter)}`,
    clock: () => {
      now += 1_500
      return now
    },
  }
  const items: SyncData[] = [
    {
      type: "session",
      data: {
        id: sessionID,
        slug: "untitled-share-page",
        projectID: "prj_cloudsession",
        directory: "/home/dev/cloudsession",
        title: options.title ?? "Fix the share page for untitled sessions",
        version: "1.19.3",
        time: { created: now, updated: now },
      },
    },
    { type: "model", data: [{ id: "claude-sonnet-4-5", providerID: "anthropic", name: "Claude Sonnet 4.5" }] },
  ]
  for (let index = 0; index < turns; index++) turn(ids, index, items, index === turns - 1)
  items.push({ type: "session_diff", data: RICH_DIFFS })
  return items
}
