import type { Part } from "@cloudsession/protocol"
import { RICH_DIFFS, richSessionItems } from "@cloudsession/protocol/fixtures"
import { describe, expect, it } from "vitest"
import { RENDER_UNITS, RenderBudget } from "../src/render/budget.ts"
import { highlight, languageNamed, languageOfPath, onlyHighlightMarkup } from "../src/render/highlight.ts"
import { markdownOrPlain } from "../src/render/markdown.ts"
import { DiffsView } from "../src/views/diff-view.tsx"
import { MessageView } from "../src/views/message-view.tsx"
import { PartView } from "../src/views/part-view.tsx"

const items = richSessionItems("ses_render", { turns: 12 })
const parts = items.flatMap((item) => (item.type === "part" ? [item.data] : []))

function render(part: Part): string {
  return String(PartView({ part }))
}

function first(predicate: (part: Part) => boolean): Part {
  const part = parts.find(predicate)
  if (part === undefined) throw new Error("the fixture lacks such a part")
  return part
}

const tool = (name: string, status = "completed") =>
  first((part) => part.type === "tool" && part.tool === name && (part.state as { status: string }).status === status)

describe("every part type renders as something a reader can use", () => {
  it("text: markdown with highlighted fenced code", () => {
    const html = render(first((part) => part.type === "text" && String(part.text).includes("```ts")))
    expect(html).toContain('<pre><code class="language-typescript"><span class="h-keyword">export</span>')
    expect(html).toContain("<table>")
  })

  it("reasoning: collapsed, with how long the model thought", () => {
    expect(render(first((part) => part.type === "reasoning"))).toMatch(
      /^<div class="part kind-reasoning"[^>]*><details class="reasoning"><summary>Thought for 3.2 s<\/summary>/,
    )
  })

  it("tools: one collapsed line each; bash, read, edit, write, todos, task", () => {
    const bash = render(tool("bash"))
    expect(bash).toMatch(/<details class="tool status-ok"><summary><span class="tool-name">bash<\/span>/)
    expect(bash).toContain('<span class="tool-subject">Run the view tests</span>')
    expect(bash).toContain('<pre class="code command" data-lang="bash">')
    const read = render(tool("read"))
    expect(read).toContain('<pre class="gutter" aria-hidden="true">1\n2\n3')
    expect(read).toContain('<span class="h-keyword">import</span>')
    expect(read).not.toContain("00001|")
    const edit = render(tool("edit"))
    expect(edit).toContain('<table class="dt unified">')
    expect(edit).toContain('<td class="sign">-</td>')
    expect(edit).not.toContain("Index: src/views/head.tsx")
    expect(render(tool("write"))).toContain('data-lang="typescript"')
    expect(render(tool("todowrite"))).toContain('<li class="todo todo-completed">')
    expect(render(tool("task"))).toContain("prompt to explore")
    const error = render(tool("bash", "error"))
    expect(error).toMatch(/<details class="tool status-error">/)
    expect(error).toContain("lint/style/useConst")
  })

  it("a pending tool shows its input as it streams in; running tools start open", () => {
    const pending = render(tool("write", "pending"))
    expect(pending).toMatch(/<details class="tool status-pending" open="">/)
    expect(pending).toContain("input, still being written")
    expect(pending).toContain("/home/dev/cloudsession/docs/viewer.md")
    const running = render(tool("bash", "running"))
    expect(running).toMatch(/<details class="tool status-running" open="">/)
    expect(running).toContain("test/share.test.ts (8 tests)")
  })

  it("file: an inline image is previewed; other files are named", () => {
    const html = render(first((part) => part.type === "file"))
    expect(html).toContain('<img src="data:image/png;base64,')
    expect(html).toContain("screenshot.png")
  })

  it("patch, snapshot, agent, subtask, retry and compaction read as events", () => {
    expect(render(first((part) => part.type === "patch"))).toContain("Changed 2 files:")
    expect(render(first((part) => part.type === "snapshot"))).toContain("Workspace snapshot")
    expect(render(first((part) => part.type === "agent"))).toContain('<span class="chip">@explore</span>')
    expect(render(first((part) => part.type === "subtask"))).toContain("Survey the tests")
    expect(render(first((part) => part.type === "retry"))).toContain("Retry 2: Overloaded (529)")
    expect(render(first((part) => part.type === "compaction"))).toContain("Context compacted automatically")
  })

  it("step markers render empty (the message footer carries them) and keep their id", () => {
    const html = render(first((part) => part.type === "step-finish"))
    expect(html).toMatch(/^<div class="part kind-step-finish" id="part-prt_\d+" data-sort="prt_\d+"><\/div>$/)
  })

  it("an answer's footer sums its steps: tokens, cost, duration", () => {
    const message = items.find((item) => item.type === "message" && item.data.role === "assistant")
    if (message?.type !== "message") throw new Error("no assistant message")
    const own = parts.filter((part) => part.messageID === message.data.id)
    const html = String(MessageView({ id: message.data.id, message: message.data, parts: own }))
    expect(html).toContain('<footer class="msg-foot">1 step · 12k in · 830 out · 120 reasoning · 9.8k cached')
    expect(html).toContain("$0.0123 · 15 s</footer>")
  })

  it("an unknown part type is shown as escaped data", () => {
    const html = render({ id: "prt_x", sessionID: "ses_x", messageID: "msg_x", type: "hologram", note: "<b>hi</b>" })
    expect(html).toContain("<summary>hologram</summary>")
    expect(html).not.toContain("<b>hi</b>")
  })

  it("clipped output links to the whole part", () => {
    const long = { ...tool("bash"), state: { status: "completed", input: {}, output: "x".repeat(30_000) } }
    expect(render(long)).toContain(`<a href="?part=${long.id}">show all</a>`)
  })
})

describe("the diff review", () => {
  it("lists files with counts and renders unified and split views, each file collapsible", () => {
    const html = String(DiffsView({ diffs: RICH_DIFFS }))
    expect(html).toContain('<input type="radio" name="diff-view" id="view-unified" class="toggle sr-only" checked=""/>')
    expect(html.match(/<details class="file-diff"/g)).toHaveLength(4)
    expect(html).toContain('<span class="badge change-added">added</span>')
    expect(html).toContain('<span class="badge change-deleted">deleted</span>')
    expect(html).toContain('<span class="plus">+7</span> <span class="minus">−4</span>')
    expect(html.match(/<table class="dt split">/g)).toHaveLength(4)
    // Split: the removed line beside the one that replaced it.
    expect(html).toMatch(
      /<tr><td class="ln">4<\/td><td class="src del">(?:(?!<\/tr>).)*<td class="ln">5<\/td><td class="src add">/,
    )
  })
})

describe("highlighting", () => {
  it("knows languages by fence name and by file extension", () => {
    expect(languageNamed("ts")).toBe("typescript")
    expect(languageNamed("Shell")).toBe("bash")
    expect(languageNamed("klingon")).toBeUndefined()
    expect(languageOfPath("src/app.tsx")).toBe("typescript")
    expect(languageOfPath("deploy/Dockerfile")).toBe("dockerfile")
    expect(languageOfPath("notes")).toBeUndefined()
  })

  it("escapes the text and emits nothing but spans", () => {
    const html = highlight('const a = "<img src=x onerror=alert(1)>"', "typescript") ?? ""
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;")
    expect(onlyHighlightMarkup(html)).toBe(true)
    expect(onlyHighlightMarkup('<span class="h-string">a</span><img src=x>')).toBe(false)
    expect(onlyHighlightMarkup('<span class="evil" onclick="x">a</span>')).toBe(false)
  })

  it("leaves a block plain past its size, and markdown's raw HTML is text (no class of the page's can be borrowed)", () => {
    expect(highlight("x".repeat(20_000), "typescript")).toBeUndefined()
    const html = markdownOrPlain(
      '<span class="notice h-keyword" style="x">hi</span>',
      new RenderBudget(RENDER_UNITS.item),
    )
    expect(html).toContain("&lt;span class=&quot;notice h-keyword&quot;")
    expect(html).not.toContain("<span")
  })
})
