import { rules as presetRules } from "@secretlint/secretlint-rule-preset-recommend"
import type {
  SecretLintRuleContext,
  SecretLintRuleCreator,
  SecretLintRuleReportHandler,
  SecretLintSourceCode,
} from "@secretlint/types"
import { envSecretRule, jwtRule } from "./extra-rules.ts"

/** A secret found in a text: the rule's short name and the secret's exact text (to replace wherever it occurs). */
export type Finding = { rule: string; value: string }

/**
 * A finding, where its value starts in the text and where the rule's match ended (a match ending at a text's end
 * may be a cut-off secret).
 */
export type Match = Finding & { start: number; end: number }

type Scanner = { rule: string; handler: SecretLintRuleReportHandler; found: Match[] }

const PREFIX = "@secretlint/secretlint-rule-"

/** Per-rule options: AWS access key ids are only scanned for when asked (they identify more than they unlock). */
const RULE_OPTIONS: Record<string, object> = { [`${PREFIX}aws`]: { enableIDScanRule: true } }

/**
 * Values a rule names in its report, for finding the secret's own text. Some reports' ranges start at the key
 * rather than at the value (the AWS secret key rule's does), so the value in the report's data is what is replaced
 * when it is there, and the range's text only when no such value is.
 */
function secretValue(text: string, range: readonly [number, number], data: unknown): { value: string; start: number } {
  const inRange = { value: text.slice(range[0], range[1]), start: range[0] }
  if (typeof data !== "object" || data === null) return inRange
  for (const value of Object.values(data)) {
    if (typeof value !== "string" || value.length < 8) continue
    const start = text.indexOf(value, range[0])
    if (start >= range[0] && start <= range[1]) return { value, start }
  }
  return inRange
}

function sourceOf(content: string): SecretLintSourceCode {
  return {
    hasBOM: false,
    content,
    filePath: undefined,
    physicalFilePath: undefined,
    contentType: "text",
    ext: "",
    getFilePath: () => undefined,
    getPhysicalFilePath: () => undefined,
    locationToRange: () => [0, 0],
    rangeToLocation: () => ({ start: { line: 1, column: 0 }, end: { line: 1, column: 0 } }),
    positionToIndex: () => 0,
    indexToPosition: () => ({ line: 1, column: 0 }),
  }
}

function scannerOf(creator: SecretLintRuleCreator): Scanner {
  const rule = creator.meta.id.startsWith(PREFIX) ? creator.meta.id.slice(PREFIX.length) : creator.meta.id
  const found: Match[] = []
  let content = ""
  const context: SecretLintRuleContext = {
    sharedOptions: {},
    // Messages are never shown: they quote the secret. Only the data (where the value is) is kept.
    createTranslator: () => (messageId, props) => ({ message: "", messageId: String(messageId), data: props }),
    report: (descriptor) => {
      const { value, start } = secretValue(content, descriptor.range, descriptor.message.data)
      found.push({ rule, value, start, end: descriptor.range[1] })
    },
    ignore: () => {},
  }
  const handler = creator.create(context, RULE_OPTIONS[creator.meta.id] ?? {})
  const file = handler.file
  return {
    rule,
    found,
    handler: {
      file: (source) => {
        content = source.content
        return file?.(source)
      },
    },
  }
}

/**
 * The rules: secretlint's recommended preset (cloud providers, GitHub, GitLab, Slack, npm, OpenAI, Anthropic,
 * private keys, connection strings, ...) plus the two in `extra-rules.ts`. The preset's `secretlint-disable`
 * comment rule is left out: a shared session is text anybody may have written into, so a comment must not be able
 * to switch redaction off.
 */
const FILTER_RULES = new Set([`${PREFIX}filter-comments`])

const creators: SecretLintRuleCreator[] = [
  ...presetRules.filter(
    (rule) =>
      rule.meta.type === "scanner" &&
      rule.meta.supportedContentTypes.includes("text") &&
      !FILTER_RULES.has(rule.meta.id),
  ),
  jwtRule,
  envSecretRule,
]

let scanners: Scanner[] | undefined

/** Names of every rule that runs, as they appear in `[redacted:<rule>]`. */
export function ruleNames(): string[] {
  return creators.map((creator) => scannerOf(creator).rule)
}

/**
 * Every secret the rules find in `text`. Synchronous: every text rule of the preset reports from its `file`
 * handler before it returns (a rule that returned a promise would have its findings missed, so it is an error).
 */
export function scanText(text: string): Finding[] {
  return scanMatches(text).map(({ rule, value }) => ({ rule, value }))
}

/** `scanText` with where each match ended, for the streaming redactor (stream.ts). */
export function scanMatches(text: string): Match[] {
  scanners ??= creators.map(scannerOf)
  const source = sourceOf(text)
  const findings: Match[] = []
  for (const scanner of scanners) {
    scanner.found.length = 0
    const pending = scanner.handler.file?.(source)
    if (pending !== undefined) throw new Error(`secret rule ${scanner.rule} is asynchronous; cannot scan with it`)
    for (const finding of scanner.found) if (finding.value.length > 0) findings.push(finding)
  }
  return findings
}
