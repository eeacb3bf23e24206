import { makeMessage, makeSession, makeTextPart, makeToolPart } from "../fixtures.ts"
import type { SyncData } from "../sync.ts"

/**
 * Test corpus for the redaction rules, shared by the client's tests (Node and Bun) and the server's (workerd).
 * Every secret here is fake: made of deterministic pseudo-random characters in the shape of the real thing, and
 * assembled at run time so the repository itself never holds a string a secret scanner would stop.
 */

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
const UPPER_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
const BASE64 = `${ALNUM}+/`

/** `length` characters of `alphabet`, the same for the same seed (a small LCG: test data, not randomness). */
export function fakeChars(seed: number, length: number, alphabet = ALNUM): string {
  let state = seed >>> 0
  let text = ""
  for (let index = 0; index < length; index += 1) {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0
    text += alphabet[(state >>> 8) % alphabet.length]
  }
  return text
}

const pemBody = `MII${fakeChars(7, 61, BASE64)}\n${fakeChars(8, 64, BASE64)}\n${fakeChars(9, 40, BASE64)}`
const jwtPart = (seed: number) => `eyJ${fakeChars(seed, 30, `${ALNUM}_-`)}`

/** A secret in the context it is typically pasted in; `secret` is the part that must not survive. */
export type CorpusSecret = { name: string; rule: string; secret: string; text: string }

const secrets: Array<Omit<CorpusSecret, "text"> & { around: (secret: string) => string }> = [
  {
    name: "AWS access key id",
    rule: "aws",
    secret: `AKIA${fakeChars(1, 16, UPPER_DIGITS)}`,
    around: (s) => `aws configure set aws_access_key_id ${s}`,
  },
  {
    name: "AWS secret access key",
    rule: "aws",
    secret: fakeChars(2, 40, BASE64),
    around: (s) => `[default]\naws_secret_access_key = ${s}\n`,
  },
  {
    name: "GitHub classic token",
    rule: "github",
    secret: `ghp_${fakeChars(3, 36)}`,
    around: (s) => `git remote set-url origin https://x:${s}@example.invalid/repo.git`,
  },
  {
    name: "GitHub fine-grained token",
    rule: "github",
    secret: `github_pat_${fakeChars(4, 22)}_${fakeChars(5, 59)}`,
    around: (s) => `curl -H "Authorization: token ${s}" https://api.example.invalid`,
  },
  {
    name: "GitLab personal access token",
    rule: "gitlab",
    secret: `glpat-${fakeChars(6, 20)}`,
    around: (s) => `export GL_TOKEN_VALUE="${s}"`,
  },
  {
    name: "Slack bot token",
    rule: "slack",
    secret: `xoxb-${fakeChars(10, 12, "0123456789")}-${fakeChars(11, 13, "0123456789")}-${fakeChars(12, 24)}`,
    around: (s) => `const slack = new WebClient("${s}")`,
  },
  {
    name: "Slack incoming webhook",
    rule: "slack",
    secret: `https://hooks.slack.com/services/T${fakeChars(13, 8)}/B${fakeChars(14, 8)}/${fakeChars(15, 24)}`,
    around: (s) => `webhook: ${s}`,
  },
  {
    name: "npm access token",
    rule: "npm",
    secret: `npm_${fakeChars(16, 36)}`,
    around: (s) => `//registry.npmjs.org/:_authToken=\${NPM}\n# ${s}`,
  },
  {
    name: "OpenAI project key",
    rule: "openai",
    secret: `sk-proj-${fakeChars(17, 74, `${ALNUM}_-`)}T3BlbkFJ${fakeChars(18, 74, `${ALNUM}_-`)}`,
    around: (s) => `client = OpenAI(api_key="${s}")`,
  },
  {
    name: "Anthropic API key",
    rule: "anthropic",
    secret: `sk-ant-api03-${fakeChars(19, 93, `${ALNUM}_-`)}AA`,
    around: (s) => `The key I used was ${s} (please rotate it)`,
  },
  {
    name: "Stripe live key",
    rule: "stripe",
    secret: `sk_live_${fakeChars(20, 24)}`,
    around: (s) => `stripe.api_key = '${s}'`,
  },
  {
    name: "RSA private key block",
    rule: "privatekey",
    secret: `-----BEGIN RSA PRIVATE KEY-----\n${pemBody}\n-----END RSA PRIVATE KEY-----`,
    around: (s) => `$ cat ~/.ssh/id_rsa\n${s}\n$ `,
  },
  {
    name: "PostgreSQL URL with a password",
    rule: "database-connection-string",
    secret: `postgres://app:${fakeChars(21, 16)}@db.internal.invalid:5432/app`,
    around: (s) => `DATABASE_URL is ${s}`,
  },
  {
    name: "JSON Web Token",
    rule: "jwt",
    secret: `${jwtPart(22)}.${jwtPart(23)}.${fakeChars(24, 43, `${ALNUM}_-`)}`,
    around: (s) => `Authorization: Bearer ${s}`,
  },
  {
    name: ".env secret assignment",
    rule: "env-secret",
    secret: fakeChars(25, 20),
    around: (s) => `NODE_ENV=production\nSESSION_SECRET=${s}\nPORT=3000`,
  },
  {
    name: ".env quoted API key",
    rule: "env-secret",
    secret: fakeChars(26, 32),
    around: (s) => `export WEATHER_API_KEY="${s}"`,
  },
]

export const CORPUS_SECRETS: CorpusSecret[] = secrets.map(({ around, ...entry }) => ({
  ...entry,
  text: around(entry.secret),
}))

/** Text that looks like a secret to a careless rule but is not one: every character of it must stay. */
export const CORPUS_LOOKALIKES: Array<{ name: string; text: string }> = [
  { name: "AWS's documented example key id", text: "aws_access_key_id = AKIAIOSFODNN7EXAMPLE" },
  { name: "git commit hash", text: `commit ${fakeChars(30, 40, "0123456789abcdef")}` },
  { name: "SHA-256 digest", text: `sha256: ${fakeChars(31, 64, "0123456789abcdef")}` },
  { name: "UUID", text: "request id 3f2a9c1b-e7ff-4e0a-9c1d-5b8e2f4a6c10" },
  { name: "token prefix alone", text: "GitHub tokens start with ghp_ and npm tokens with npm_" },
  { name: "env reference", text: `API_KEY=\${API_KEY}\nGITHUB_TOKEN=$(gh auth token)` },
  { name: "env placeholder", text: "OPENAI_API_KEY=<your-key-here>\nDB_PASSWORD=changeme123" },
  { name: "numbers that mention tokens", text: "MAX_TOKENS=4096\nTOKEN_LIMIT=100000000" },
  { name: "code reading a secret", text: "const token = process.env.GITHUB_TOKEN\nAPI_KEY = os.environ['API_KEY']" },
  { name: "type with a password field", text: "type Login = { user: string; password: string }" },
  { name: "public key block", text: `-----BEGIN PUBLIC KEY-----\n${pemBody}\n-----END PUBLIC KEY-----` },
  { name: "database URL without a password", text: "postgres://localhost/devdb" },
  { name: "two-part base64 that is not a JWT", text: `${jwtPart(32)}.${jwtPart(33)}` },
  { name: "an image as data", text: `data:image/png;base64,iVBORw0KGgo${fakeChars(34, 200, BASE64)}` },
  { name: "a redaction marker", text: "the key was [redacted:github] in the log" },
  { name: "path and prose", text: "Edited /home/dev/project/src/auth/token-store.ts: 3 secrets rotated." },
]

/**
 * A session whose parts hold the corpus: a text part per secret and per look-alike, and a tool call with a secret
 * in its input and its output (the usual way one ends up in a session: `cat .env`).
 */
export function corpusSessionItems(sessionID: string): SyncData[] {
  const messageID = "msg_00000001"
  const items: SyncData[] = [
    { type: "session", data: makeSession(sessionID, { title: "Debugging the deploy" }) },
    { type: "message", data: makeMessage(sessionID, 1) },
  ]
  const texts = [...CORPUS_SECRETS.map((entry) => entry.text), ...CORPUS_LOOKALIKES.map((entry) => entry.text)]
  texts.forEach((text, index) => {
    items.push({ type: "part", data: makeTextPart(sessionID, messageID, index + 1, text) })
  })
  const env = CORPUS_SECRETS.find((entry) => entry.rule === "env-secret")?.text ?? ""
  const tool = makeToolPart(sessionID, messageID, texts.length + 1)
  const state = { status: "completed", title: "cat .env", input: { command: "cat .env" }, output: env }
  items.push({ type: "part", data: { ...tool, state } })
  return items
}
