import type { Child } from "hono/jsx"
import { STYLES } from "./styles.ts"

type LayoutProps = {
  title: string
  /** This response's CSP nonce: the inline style and the one inline script carry it, nothing else may run. */
  nonce: string
  /** Source of the page's one inline script (a constant of ours; page data travels in data-* attributes). */
  script?: string
  /** Other forms of the same page (`<link rel="alternate">`): the share as Markdown and as JSON. */
  alternates?: { type: string; href: string }[]
  /** Room for the turn index beside the conversation. */
  wide?: boolean
  children?: Child
}

/** Page shell: dark theme, inline CSS, no external assets, never indexed (shares are unlisted, not secret). */
export function Layout(props: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex, nofollow" />
        <meta name="referrer" content="no-referrer" />
        <title>{props.title}</title>
        {(props.alternates ?? []).map((alternate) => (
          <link rel="alternate" type={alternate.type} href={alternate.href} />
        ))}
        <style nonce={props.nonce} dangerouslySetInnerHTML={{ __html: STYLES }} />
      </head>
      <body>
        <main class={props.wide === true ? "wide" : undefined}>
          <header class="top">
            <a class="brand" href="/sessions">
              cloudsession
            </a>
          </header>
          {props.children}
        </main>
        {props.script === undefined ? null : (
          <script nonce={props.nonce} dangerouslySetInnerHTML={{ __html: props.script }} />
        )}
      </body>
    </html>
  )
}
