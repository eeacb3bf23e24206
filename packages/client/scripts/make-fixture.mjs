// Writes test/fixtures/session.json: a realistic OpenCode session in `opencode export` shape, several hundred parts
// of mixed types (text, reasoning, tool calls with output, step markers, files, patches). Deterministic, so the
// committed file only changes when this script does. Run: npm run fixture -w @cloudsession/client
import { writeFileSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const out = resolve(dirname(fileURLToPath(import.meta.url)), "../test/fixtures/session.json")
const sessionID = "ses_3f2a9c1be7ffe0Fixture01"
const start = 1_735_689_600_000
let seed = 42
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
  return seed / 2 ** 31
}
const pick = (list) => list[Math.floor(random() * list.length)]
const pad = (n) => n.toString().padStart(6, "0")
const files = [
  "src/server.ts",
  "src/routes/share.ts",
  "src/store/db.ts",
  "test/share.test.ts",
  "README.md",
  "package.json",
]
const prompts = [
  "The share page breaks when a session has no title. Can you find out why and fix it?",
  "Add a test for sessions with more than a thousand parts.",
  "Refactor the sync handler so it only writes the rows a batch touches.",
  "Why does `npm test` hang on CI? Look at the worker tests first.",
  "Document the new environment variables in the README.",
]
const prose = [
  "Let me look at how the share route loads the session before changing anything.",
  "The handler reads the whole blob on every sync, which is why large sessions get slow.",
  "I'll add a guard for the missing title and a regression test that covers it.",
  "The test now fails for the right reason; next I'll make the fix.",
  "Everything passes locally. Here is a summary of what changed and why.",
  "This uses `Map.groupBy`, which Node 20 does not have, so I replaced it with a loop.",
]

let partCounter = 0
let clock = start
const tick = (ms) => {
  clock += ms
  return clock
}

function part(messageID, type, fields) {
  partCounter += 1
  return { id: `prt_${pad(partCounter)}`, sessionID, messageID, type, ...fields }
}

function toolPart(messageID) {
  const tool = pick(["bash", "read", "edit", "grep", "write", "glob"])
  const file = pick(files)
  const inputs = {
    bash: { command: pick(["npm test", "git status --short", "ls -la src", "npx tsc --noEmit"]) },
    read: { filePath: `/home/dev/cloudsession/${file}` },
    edit: { filePath: `/home/dev/cloudsession/${file}`, oldString: "const x = 1", newString: "const x = 2" },
    grep: { pattern: pick(["syncShare", "TODO", "secret", "batchID"]), path: "src" },
    write: { filePath: `/home/dev/cloudsession/${file}`, content: "export const ready = true\n" },
    glob: { pattern: "src/**/*.ts" },
  }
  const lines = Array.from({ length: 2 + Math.floor(random() * 12) }, (_, i) => `${i + 1}\t${pick(prose)}`)
  const began = tick(200)
  return part(messageID, "tool", {
    callID: `toolu_${pad(partCounter)}`,
    tool,
    state: {
      status: random() < 0.93 ? "completed" : "error",
      input: inputs[tool],
      output: lines.join("\n"),
      title: `${tool} ${file}`,
      metadata: { truncated: false },
      time: { start: began, end: tick(300 + Math.floor(random() * 4000)) },
    },
  })
}

function assistantParts(messageID) {
  const parts = [part(messageID, "step-start", { snapshot: `snap_${pad(partCounter)}` })]
  if (random() < 0.6) {
    parts.push(
      part(messageID, "reasoning", {
        text: `${pick(prose)} ${pick(prose)}`,
        time: { start: tick(50), end: tick(400) },
      }),
    )
  }
  const steps = 2 + Math.floor(random() * 6)
  for (let i = 0; i < steps; i++) {
    parts.push(
      random() < 0.45 ? part(messageID, "text", { text: `${pick(prose)}\n\n${pick(prose)}` }) : toolPart(messageID),
    )
  }
  if (random() < 0.15)
    parts.push(part(messageID, "patch", { hash: `h${pad(partCounter)}`, files: [pick(files), pick(files)] }))
  parts.push(
    part(messageID, "step-finish", {
      reason: "stop",
      cost: Math.round(random() * 1000) / 100_000,
      tokens: {
        input: 1200 + Math.floor(random() * 9000),
        output: 80 + Math.floor(random() * 900),
        reasoning: 0,
        cache: { read: 0, write: 0 },
      },
    }),
  )
  return parts
}

const messages = []
while (messages.length < 120) {
  const userID = `msg_${pad(messages.length + 1)}`
  const userParts = [part(userID, "text", { text: pick(prompts) })]
  if (random() < 0.2)
    userParts.push(
      part(userID, "file", {
        mime: "text/plain",
        filename: pick(files),
        url: `file:///home/dev/cloudsession/${pick(files)}`,
      }),
    )
  messages.push({ info: { id: userID, sessionID, role: "user", time: { created: tick(30_000) } }, parts: userParts })
  const replies = 1 + Math.floor(random() * 3)
  for (let reply = 0; reply < replies; reply++) {
    const id = `msg_${pad(messages.length + 1)}`
    const created = tick(1000)
    messages.push({
      info: {
        id,
        sessionID,
        role: "assistant",
        parentID: userID,
        modelID: "claude-sonnet-4-5",
        providerID: "anthropic",
        mode: "build",
        path: { cwd: "/home/dev/cloudsession", root: "/home/dev/cloudsession" },
        time: { created, completed: tick(8000) },
        cost: 0,
        tokens: { input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } },
      },
      parts: assistantParts(id),
    })
  }
}

const session = {
  info: {
    id: sessionID,
    slug: "fix-share-page-title",
    projectID: "prj_cloudsession",
    directory: "/home/dev/cloudsession",
    title: "Fix the share page for untitled sessions",
    version: "1.19.3",
    time: { created: start, updated: clock },
  },
  messages,
}
writeFileSync(out, `${JSON.stringify(session, null, 2)}\n`)
console.log(`wrote ${out}: ${messages.length} messages, ${partCounter} parts`)
