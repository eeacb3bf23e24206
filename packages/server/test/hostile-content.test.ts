import type { SyncData } from "@cloudsession/protocol"
import { makeMessage, makeSession, makeTextPart } from "@cloudsession/protocol/fixtures"
import { describe, expect, it } from "vitest"
import { LINK_URL } from "../src/render/links.ts"
import { LIVE_SCRIPT } from "../src/views/page-scripts.generated.ts"
import { api, createShare, uniqueSessionID } from "./helpers.ts"

type Fragment = { id: string; html: string }

function share(sessionID: string, text: string, extra: SyncData[] = []): SyncData[] {
  const message = makeMessage(sessionID, 0)
  return [
    { type: "session", data: makeSession(sessionID) },
    { type: "message", data: message },
    { type: "part", data: makeTextPart(sessionID, message.id, 0, text) },
    ...extra,
  ]
}

async function pageAndPart(text: string, extra: (sessionID: string) => SyncData[] = () => []) {
  const sessionID = uniqueSessionID("content")
  const created = await createShare(sessionID, share(sessionID, text, extra(sessionID)))
  const response = await api(`/share/${created.id}`)
  expect(response.status).toBe(200)
  const page = await response.text()
  const fragments = (await (await api(`/share/${created.id}/fragments?since=0`)).json()) as { fragments: Fragment[] }
  const part = fragments.fragments.find((fragment) => fragment.id === "part-prt_00000000")?.html ?? ""
  return { page, part, fragments: fragments.fragments }
}

describe("rendering is bounded per item, and what it cannot afford is shown as text", () => {
  it("shows markup that costs more than one item's budget as plain text, escaped", async () => {
    const { page, part } = await pageAndPart("*a".repeat(60_000))
    expect(part).toContain('<pre class="plain">*a*a')
    expect(part).toContain("shown as plain text")
    expect(part).not.toContain("<em>")
    expect(page).toContain('<pre class="plain">*a*a')
  })

  it("renders ordinary markdown of the same size as markdown", async () => {
    const { part } = await pageAndPart("Some *emphasis* and a [link](https://example.com).\n\n".repeat(1_000))
    expect(part).toContain("<em>emphasis</em>")
    expect(part).not.toContain("shown as plain text")
  })

  it("stops nesting blockquotes and lists at a bounded depth", async () => {
    const { part } = await pageAndPart(`${"> ".repeat(2_500)}deep`)
    const depth = part.match(/<blockquote>/g)?.length ?? 0
    expect(depth).toBeGreaterThan(5)
    expect(depth).toBeLessThanOrEqual(20)
    const { part: list } = await pageAndPart(`${"- ".repeat(2_500)}deep`)
    expect(list.match(/<ul>/g)?.length ?? 0).toBeLessThanOrEqual(20)
  })
})

describe("one link allow list, on the server and in the live script", () => {
  const links = [
    "[web](https://example.com/a)",
    "[plain](http://example.com/b)",
    "[mail](mailto:a@example.com)",
    "[relative](docs/readme.md)",
    "[anchor](#top)",
    "[script](javascript:alert(1))",
    "[phone](tel:+15550100)",
    "[ftp](ftp://files.example.com/x)",
    "[data](data:text/html,<b>x</b>)",
    "[file](file:///etc/passwd)",
    "[vbscript](vbscript:msgbox)",
  ].join("\n\n")

  it("keeps http(s), mailto and relative links and drops every other scheme", async () => {
    const { part } = await pageAndPart(links)
    const hrefs = [...part.matchAll(/href="([^"]*)"/g)].map((match) => match[1])
    expect(hrefs).toEqual([
      "https://example.com/a",
      "http://example.com/b",
      "mailto:a@example.com",
      "docs/readme.md",
      "#top",
    ])
    // A refused link is shown as the text that was written, not as a link.
    expect(part).toContain("<p>[phone](tel:+15550100)</p>")
    expect(part).toContain("<p>[ftp](ftp://files.example.com/x)</p>")
  })

  it("the live script's DOMPurify pass uses the same pattern", () => {
    // The live script is bundled from browser/sanitize.ts, which imports LINK_URL: the same pattern ships in it.
    expect(LIVE_SCRIPT).toContain(String(LINK_URL))
    for (const url of ["tel:1", "ftp://x", "javascript:x", "java\tscript:x", "data:text/html,x"]) {
      expect(LINK_URL.test(url), url).toBe(false)
    }
    for (const url of ["https://x", "HTTP://x", "mailto:x", "/x", "x/y", "#x", "?q", ""]) {
      expect(LINK_URL.test(url), url).toBe(true)
    }
  })
})

describe("hidden characters are shown, not hidden", () => {
  const RLO = "\u202e"
  const LRI = "\u2066"

  it("marks bidi controls in the title, a diff's path and lines, and code", async () => {
    const sessionID = uniqueSessionID("bidi")
    const data: SyncData[] = [
      ...share(sessionID, `code:\n\n\`\`\`\nif (isAdmin) ${RLO} { grant() }\n\`\`\``),
      { type: "session", data: makeSession(sessionID, { title: `Invoice ${RLO}fdp.exe` }) },
      {
        type: "session_diff",
        data: [
          { file: `src/${LRI}evil.ts`, before: "a\n", after: `access ${RLO}= "user"\n`, additions: 1, deletions: 1 },
        ],
      },
    ]
    const created = await createShare(sessionID, data)
    const page = await (await api(`/share/${created.id}`)).text()
    expect(page).not.toContain(RLO)
    expect(page).not.toContain(LRI)
    expect(page).toContain("<title>Invoice &lt;U+202E&gt;fdp.exe · cloudsession</title>")
    const mark = (code: string) => `<span class="hidden-char" title="hidden character">&lt;U+${code}&gt;</span>`
    expect(page).toContain(`Invoice ${mark("202E")}fdp.exe`)
    expect(page).toContain(`if (isAdmin) ${mark("202E")} { grant() }`)
    expect(page).toContain(`src/${mark("2066")}evil.ts`)
    expect(page).toContain(`access ${mark("202E")}= `)
    // The live path receives the same marks.
    const fragments = await (await api(`/share/${created.id}/fragments?since=0`)).text()
    expect(fragments).not.toMatch(/\u202e|\u2066/)
  })
})
