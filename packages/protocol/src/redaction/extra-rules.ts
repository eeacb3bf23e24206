import type { SecretLintRuleCreator } from "@secretlint/types"

/**
 * Two rules the secretlint preset does not have, written against secretlint's rule API so they run beside its own:
 * JSON Web Tokens, and `.env`-style `KEY=value` lines whose key names a secret.
 */

const jwtMessages = {
  JWT: { en: (props?: { TOKEN: string }) => `found a JSON Web Token: ${props?.TOKEN ?? ""}` },
}

/** A JWT's header and payload are base64url JSON objects, so both start with `eyJ` (`{"`). */
const JWT_PATTERN = /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/g

export const jwtRule: SecretLintRuleCreator = {
  messages: jwtMessages,
  meta: { id: "jwt", type: "scanner", recommended: true, supportedContentTypes: ["text"] },
  create(context) {
    const t = context.createTranslator(jwtMessages)
    return {
      file(source) {
        for (const match of source.content.matchAll(JWT_PATTERN)) {
          const start = match.index
          context.report({ message: t("JWT", { TOKEN: match[0] }), range: [start, start + match[0].length] })
        }
      },
    }
  },
}

const envMessages = {
  ENV_SECRET: { en: (props?: { VALUE: string }) => `found a secret-looking assignment: ${props?.VALUE ?? ""}` },
}

/**
 * `NAME=value` at the start of a line (optionally after `export`), no spaces around `=` (as in a `.env` file, not
 * in code), where NAME is upper case and one of its `_`-separated words is a secret's: `GITHUB_TOKEN`,
 * `DB_PASSWORD`, `OPENAI_API_KEY`, `SECRET_KEY_BASE`. `MAX_TOKENS=4096` is not one (the word is `TOKENS`).
 */
const ENV_PATTERN =
  /^[ \t]*(?:export[ \t]+)?((?:[A-Z0-9]+_)*(?:SECRET|TOKEN|PASSWORD|PASSWD|PASS|PWD|APIKEY|API_KEY|ACCESS_KEY|PRIVATE_KEY|AUTH|CREDENTIALS?)(?:_[A-Z0-9]+)*)=(["']?)([^\s"'`#]{8,})\2/gm

/** Values that are a reference or a placeholder, not a secret: `${TOKEN}`, `$(pass show x)`, `<your-token>`. */
const PLACEHOLDER = /^(?:[$<{%]|.*(?:x{6,}|\*{4,}|changeme|placeholder|your[_-]|example|redacted|dummy))/i

export const envSecretRule: SecretLintRuleCreator = {
  messages: envMessages,
  meta: { id: "env-secret", type: "scanner", recommended: true, supportedContentTypes: ["text"] },
  create(context) {
    const t = context.createTranslator(envMessages)
    return {
      file(source) {
        for (const match of source.content.matchAll(ENV_PATTERN)) {
          const value = match[3] ?? ""
          // Only digits is a number (a port, a count), and a value without a letter or digit is punctuation.
          if (PLACEHOLDER.test(value) || /^\d+$/.test(value) || !/[A-Za-z0-9]/.test(value)) continue
          const start = match.index + match[0].lastIndexOf(value)
          context.report({ message: t("ENV_SECRET", { VALUE: value }), range: [start, start + value.length] })
        }
      },
    }
  },
}
