/**
 * The one stylesheet, inlined into every page (no external assets: a share page works offline and a CSP of
 * `default-src 'none'` holds). The seed's look: near-black background, mint accent, monospace for code.
 */
export const STYLES = `
:root { color-scheme: dark; --bg: #0a0a0a; --panel: #131313; --line: #262626; --text: #e5e5e5; --muted: #8a8a8a;
  --accent: #6ee7b7; --add: #12301f; --add-text: #86efac; --del: #3a1515; --del-text: #fca5a5; --warn: #fbbf24;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--text); line-height: 1.55;
  font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
a { color: var(--accent); }
main { max-width: 980px; margin: 0 auto; padding: 24px 20px 64px; }
header.top { display: flex; align-items: center; justify-content: space-between; gap: 12px; flex-wrap: wrap;
  padding-bottom: 16px; border-bottom: 1px solid var(--line); margin-bottom: 20px; }
.brand { color: var(--accent); font-family: var(--mono); font-weight: 600; text-decoration: none; }
h1 { font-size: 1.45rem; margin: 0 0 6px; overflow-wrap: anywhere; }
h2 { font-size: 1.05rem; margin: 28px 0 10px; color: var(--muted); font-weight: 600; }
.muted { color: var(--muted); }
.hidden-char { border: 1px solid #b45309; border-radius: 3px; color: #f59e0b; font-size: 0.8em; padding: 0 2px; }
pre.plain { white-space: pre-wrap; word-break: break-word; }
.mono { font-family: var(--mono); }
.meta { color: var(--muted); font-size: 0.85rem; display: flex; flex-wrap: wrap; gap: 4px 14px; overflow-wrap: anywhere; }
.badge { display: inline-block; font: 600 0.72rem/1.6 var(--mono); padding: 0 7px; border-radius: 999px;
  border: 1px solid var(--line); color: var(--muted); white-space: nowrap; }
.badge.ok, .badge.live { color: var(--accent); border-color: #2f5e4d; }
.badge.error, .badge.offline, .badge.gone { color: var(--del-text); border-color: #5e2f2f; }
.notice { margin: 12px 0; padding: 10px 14px; border: 1px solid #5e2f2f; border-radius: 8px; color: var(--del-text); }
.badge.running, .badge.pending, .badge.connecting { color: var(--warn); border-color: #5e4d1f; }
input[type=search] { width: 100%; background: var(--panel); color: var(--text); border: 1px solid var(--line);
  border-radius: 8px; padding: 10px 12px; font: inherit; }
input[type=search]:focus { outline: 2px solid var(--accent); outline-offset: -1px; }
ul.sessions { list-style: none; margin: 16px 0; padding: 0; display: grid; gap: 10px; }
ul.sessions li a { display: block; padding: 14px 16px; background: var(--panel); border: 1px solid var(--line);
  border-radius: 10px; color: var(--text); text-decoration: none; }
ul.sessions li a:hover { border-color: var(--accent); }
.title { font-weight: 600; overflow-wrap: anywhere; }
.pager { display: flex; justify-content: space-between; gap: 12px; margin-top: 18px; }
.message { border: 1px solid var(--line); border-radius: 10px; margin: 14px 0; background: var(--panel); min-width: 0; }
.message > .head { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 12px; padding: 10px 14px;
  border-bottom: 1px solid var(--line); font-size: 0.85rem; }
.role { font-weight: 700; text-transform: capitalize; }
.role-user .role { color: #93c5fd; }
.role-assistant .role { color: var(--accent); }
.parts { padding: 6px 14px 10px; min-width: 0; }
.part { margin: 10px 0; min-width: 0; }
.md { overflow-wrap: anywhere; }
.md > :first-child { margin-top: 0; }
.md > :last-child { margin-bottom: 0; }
.md img { max-width: 100%; }
.md table { border-collapse: collapse; display: block; overflow-x: auto; }
.md th, .md td { border: 1px solid var(--line); padding: 4px 8px; }
.md blockquote { margin: 0; padding-left: 12px; border-left: 3px solid var(--line); color: var(--muted); }
code { font-family: var(--mono); font-size: 0.88em; background: #1c1c1c; padding: 1px 5px; border-radius: 4px; }
pre { font-family: var(--mono); font-size: 0.82rem; line-height: 1.45; background: #0f0f0f; border: 1px solid var(--line);
  border-radius: 8px; padding: 10px 12px; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; margin: 6px 0; }
pre code { background: none; padding: 0; font-size: inherit; }
details > summary { cursor: pointer; color: var(--muted); font-size: 0.85rem; }
details[open] > summary { margin-bottom: 6px; }
.reasoning .md { color: #b5b5b5; font-style: italic; }
.tool { border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px; background: #101010; }
.tool .head { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 10px; font-size: 0.85rem; }
.tool .name { font-family: var(--mono); color: var(--accent); font-weight: 600; }
.tool .label { color: var(--muted); font-size: 0.75rem; margin-top: 6px; text-transform: uppercase; letter-spacing: 0.04em; }
.tool pre.error { color: var(--del-text); }
.step { color: var(--muted); font-size: 0.78rem; font-family: var(--mono); }
.file { font-size: 0.88rem; }
.diff { border: 1px solid var(--line); border-radius: 8px; margin: 12px 0; overflow: hidden; background: var(--panel); }
.diff > .head { display: flex; flex-wrap: wrap; justify-content: space-between; gap: 6px 12px; padding: 8px 12px;
  border-bottom: 1px solid var(--line); font: 0.82rem var(--mono); overflow-wrap: anywhere; }
.diff .plus { color: var(--add-text); }
.diff .minus { color: var(--del-text); }
.lines { margin: 0; border: 0; border-radius: 0; padding: 6px 0; white-space: pre; overflow-x: auto; }
.lines span { display: block; padding: 0 12px; min-height: 1.45em; }
.lines .add { background: var(--add); color: var(--add-text); }
.lines .del { background: var(--del); color: var(--del-text); }
.lines .hunk { color: var(--muted); background: #161616; }
.lines .add::before { content: "+ "; }
.lines .del::before { content: "- "; }
.lines .same::before { content: "  "; }
.models { display: flex; flex-wrap: wrap; gap: 6px; padding: 0; margin: 8px 0 0; list-style: none; }
.empty { color: var(--muted); padding: 24px 0; text-align: center; }
#messages:has(article) ~ #no-messages { display: none; }
@media (max-width: 600px) {
  body { font-size: 14px; }
  main { padding: 16px 12px 48px; }
  h1 { font-size: 1.2rem; }
  .parts { padding: 4px 10px 8px; }
  .message > .head { padding: 8px 10px; }
}
`
