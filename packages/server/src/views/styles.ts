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
.badge.running, .badge.pending, .badge.connecting, .badge.behind { color: var(--warn); border-color: #5e4d1f; }
input[type=search] { width: 100%; background: var(--panel); color: var(--text); border: 1px solid var(--line);
  border-radius: 8px; padding: 10px 12px; font: inherit; }
input[type=search]:focus { outline: 2px solid var(--accent); outline-offset: -1px; }
ul.sessions { list-style: none; margin: 16px 0; padding: 0; display: grid; gap: 10px; }
ul.sessions li a { display: block; padding: 14px 16px; background: var(--panel); border: 1px solid var(--line);
  border-radius: 10px; color: var(--text); text-decoration: none; }
ul.sessions li a:hover { border-color: var(--accent); }
.title { font-weight: 600; overflow-wrap: anywhere; }
.pager { display: flex; justify-content: space-between; gap: 12px; margin-top: 18px; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
main.wide { max-width: 1280px; }
.notice.info { border-color: #2f4e5e; color: #a5d8ff; }
.badge.static { color: var(--muted); }
.columns { display: grid; grid-template-columns: minmax(0, 1fr); gap: 16px; margin-top: 12px; }
.conversation { min-width: 0; }
.turn-index { position: sticky; top: 0; z-index: 5; background: var(--bg); padding: 8px 0; border-bottom: 1px solid var(--line); }
.turns-button { display: inline-block; cursor: pointer; padding: 6px 12px; border: 1px solid var(--line); border-radius: 8px;
  background: var(--panel); font-size: 0.85rem; }
#turns-toggle:focus-visible + .turns-button { outline: 2px solid var(--accent); }
.turns { margin: 8px 0 0; padding: 0 0 0 2.2em; font-size: 0.85rem; max-height: 60vh; overflow-y: auto; }
#turns-toggle:not(:checked) ~ .turns { display: none; }
.turns li { margin: 2px 0; color: var(--muted); }
.turns li::marker { font-family: var(--mono); font-size: 0.75rem; }
.turns a { color: var(--text); text-decoration: none; display: block; padding: 3px 6px; border-radius: 6px; overflow-wrap: anywhere; }
.turns a:hover, .turns a:focus-visible { background: var(--panel); color: var(--accent); }
.to-latest { display: inline-block; margin-left: 12px; font-size: 0.85rem; }
@media (min-width: 900px) {
  .columns { grid-template-columns: 260px minmax(0, 1fr); gap: 28px; }
  .turn-index { top: 12px; align-self: start; max-height: calc(100vh - 24px); overflow-y: auto; border: 0; padding: 0; }
  .turns-button, #turns-toggle { display: none; }
  #turns-toggle:not(:checked) ~ .turns, .turns { display: block; max-height: none; margin-top: 0; }
  .to-latest { margin: 10px 0 0 6px; }
}
.earlier { text-align: center; margin: 8px 0; }
.earlier a { display: inline-block; padding: 6px 14px; border: 1px solid var(--line); border-radius: 999px; background: var(--panel); }
.message { border: 1px solid var(--line); border-radius: 10px; margin: 10px 0; background: var(--panel); min-width: 0; }
.message.role-user { margin-top: 30px; border-color: #2b3d58; background: #0f1622; }
#messages > .message:first-child { margin-top: 0; }
.message > .head { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 12px; padding: 8px 14px;
  font-size: 0.82rem; }
.role { font-weight: 700; text-transform: capitalize; }
.role-user .role { color: #93c5fd; }
.role-assistant .role { color: var(--accent); }
.anchor { margin-left: auto; color: var(--muted); text-decoration: none; padding: 0 4px; }
.anchor:hover, .anchor:focus-visible { color: var(--accent); }
:target { scroll-margin-top: 64px; }
.message:target, .part:target { outline: 2px solid #2f5e4d; outline-offset: 2px; border-radius: 8px; }
.parts { padding: 0 14px 10px; min-width: 0; }
.part { margin: 8px 0; min-width: 0; }
.kind-step-start, .kind-step-finish { display: none; }
.msg-foot { border-top: 1px solid var(--line); padding: 6px 14px; color: var(--muted); font: 0.75rem/1.5 var(--mono); }
.md { overflow-wrap: anywhere; }
.md > :first-child { margin-top: 0; }
.md > :last-child { margin-bottom: 0; }
.md img { max-width: 100%; }
.md table { border-collapse: collapse; display: block; overflow-x: auto; }
.md th, .md td { border: 1px solid var(--line); padding: 4px 8px; }
.md blockquote { margin: 0; padding-left: 12px; border-left: 3px solid var(--line); color: var(--muted); }
code { font-family: var(--mono); font-size: 0.88em; background: #1c1c1c; padding: 1px 5px; border-radius: 4px; }
pre { font-family: var(--mono); font-size: 0.8rem; line-height: 1.45; background: #0f0f0f; border: 1px solid var(--line);
  border-radius: 8px; padding: 8px 12px; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; margin: 6px 0; }
pre code { background: none; padding: 0; font-size: inherit; }
pre.command { color: #e5e5e5; }
pre.command::before { content: "$ "; color: var(--muted); }
pre.error { color: var(--del-text); }
.listing { display: flex; margin: 6px 0; border: 1px solid var(--line); border-radius: 8px; overflow-x: auto; background: #0f0f0f; }
.listing pre { margin: 0; border: 0; border-radius: 0; white-space: pre; overflow-wrap: normal; overflow: visible; }
.listing .gutter { color: #8f8f8f; text-align: right; user-select: none; -webkit-user-select: none; padding-right: 8px;
  border-right: 1px solid var(--line); flex: none; }
.listing .code { flex: 1 0 auto; }
.ln { color: #8f8f8f; user-select: none; -webkit-user-select: none; }
.clip { color: var(--muted); font-size: 0.8rem; margin: 2px 0 6px; }
details > summary { cursor: pointer; color: var(--muted); font-size: 0.85rem; }
details > summary:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; border-radius: 6px; }
.reasoning > summary, .synthetic > summary { font-style: italic; }
.reasoning .md { color: #b5b5b5; border-left: 2px solid var(--line); padding-left: 10px; margin-top: 4px; }
.tool, .subtask { border: 1px solid var(--line); border-radius: 8px; background: #101010; }
.tool > summary, .subtask > summary { display: flex; align-items: center; gap: 8px; padding: 5px 10px; list-style: none;
  min-width: 0; color: var(--text); }
.tool > summary::-webkit-details-marker, .subtask > summary::-webkit-details-marker { display: none; }
.tool > summary::before, .subtask > summary::before { content: "▸"; color: var(--muted); font-size: 0.7rem; }
.tool[open] > summary::before, .subtask[open] > summary::before { content: "▾"; }
.tool[open] > summary, .subtask[open] > summary { margin-bottom: 0; border-bottom: 1px solid var(--line); }
.tool-name { font-family: var(--mono); color: var(--accent); font-weight: 600; flex: none; }
.tool-subject { flex: 1 1 auto; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap;
  font-family: var(--mono); font-size: 0.8rem; color: #cfcfcf; }
.tool-time { color: var(--muted); font: 0.75rem var(--mono); flex: none; }
.tool.status-error { border-color: #5e2f2f; }
.tool-body { padding: 4px 10px 8px; min-width: 0; }
.label { color: var(--muted); font-size: 0.72rem; margin-top: 6px; text-transform: uppercase; letter-spacing: 0.04em; }
.todos { list-style: none; padding: 0; margin: 4px 0; font-size: 0.88rem; }
.todo-completed { color: var(--muted); text-decoration: line-through; }
.todo-in_progress .todo-mark { color: var(--warn); }
.event { color: #cfcfcf; font-size: 0.85rem; }
.event.warn { color: var(--warn); }
.event-icon { display: inline-block; width: 1.2em; text-align: center; color: var(--muted); }
.chip { font-family: var(--mono); color: #c4b5fd; background: #1d1830; border-radius: 6px; padding: 0 6px; }
.divider { display: flex; align-items: center; gap: 10px; color: var(--muted); font-size: 0.8rem; }
.divider::before, .divider::after { content: ""; flex: 1; border-top: 1px dashed var(--line); }
figure.file { margin: 4px 0; font-size: 0.88rem; }
figure.file img { display: block; max-width: min(100%, 480px); max-height: 360px; border: 1px solid var(--line);
  border-radius: 8px; margin-bottom: 4px; background: #1a1a1a; image-rendering: auto; min-width: 48px; min-height: 48px; }
.review { margin-top: 36px; }
.review-head { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 14px; }
.review-head h2 { margin: 0; color: var(--text); }
.views { margin-left: auto; display: inline-flex; border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
.views label { padding: 4px 12px; cursor: pointer; font-size: 0.82rem; color: var(--muted); }
#view-unified:checked ~ .review-head label[for=view-unified],
#view-split:checked ~ .review-head label[for=view-split] { background: #1f2f29; color: var(--accent); }
#view-unified:focus-visible ~ .review-head label[for=view-unified],
#view-split:focus-visible ~ .review-head label[for=view-split] { outline: 2px solid var(--accent); outline-offset: -2px; }
#view-unified:checked ~ .file-diffs .diff-lines.split, #view-split:checked ~ .file-diffs .diff-lines.unified { display: none; }
.files { list-style: none; padding: 0; margin: 10px 0; font: 0.82rem var(--mono); display: grid; gap: 2px; }
.files li { overflow-wrap: anywhere; }
.counts { font: 0.78rem var(--mono); white-space: nowrap; }
.plus { color: var(--add-text); }
.minus { color: var(--del-text); }
.file-diff { border: 1px solid var(--line); border-radius: 8px; margin: 10px 0; background: var(--panel); overflow: hidden; }
.file-diff > summary { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 10px; padding: 8px 12px;
  font: 0.82rem var(--mono); color: var(--text); }
.file-diff[open] > summary { border-bottom: 1px solid var(--line); margin: 0; }
.file-diff .path { overflow-wrap: anywhere; flex: 1 1 auto; }
.badge.change-added { color: var(--add-text); border-color: #2f5e3d; }
.badge.change-deleted { color: var(--del-text); border-color: #5e2f2f; }
.diff-lines { overflow-x: auto; }
.dt { border-collapse: collapse; width: 100%; font: 0.78rem/1.5 var(--mono); }
.dt td { padding: 0 8px; vertical-align: top; white-space: pre; }
.dt .ln { width: 1%; text-align: right; color: #8f8f8f; }
.dt .sign { width: 1%; padding: 0 2px; user-select: none; -webkit-user-select: none; }
.dt.split .src { width: 50%; white-space: pre-wrap; overflow-wrap: anywhere; }
.dt tr.add, .dt td.add { background: var(--add); }
.dt tr.del, .dt td.del { background: var(--del); }
.dt tr.add .ln { color: var(--add-text); }
.dt tr.del .ln { color: var(--del-text); }
.dt td.none { background: #111; }
.dt tr.hunk td { color: var(--muted); background: #161616; padding: 2px 12px; }
.replay { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 10px; margin: 10px 0 0; font-size: 0.82rem; }
.replay-label { color: var(--muted); }
.replay-step { text-decoration: none; padding: 0 4px; }
.replay input[type=range] { flex: 1 1 160px; max-width: 360px; accent-color: var(--accent); }
.replay button { font: inherit; background: var(--panel); color: var(--text); border: 1px solid var(--line);
  border-radius: 6px; padding: 2px 10px; cursor: pointer; }
.jump { position: fixed; right: 16px; bottom: 16px; z-index: 10; padding: 8px 14px; border-radius: 999px;
  background: var(--accent); color: #052e1f; font-weight: 600; text-decoration: none; box-shadow: 0 4px 16px #000a; }
.h-comment, .h-quote, .h-meta { color: #8b949e; }
.h-keyword, .h-selector-tag, .h-doctag { color: #ff7b72; }
.h-string, .h-regexp, .h-addition { color: #a5d6ff; }
.h-title, .h-section, .h-function { color: #d2a8ff; }
.h-number, .h-literal, .h-symbol, .h-attr, .h-attribute, .h-variable.language_, .h-operator { color: #79c0ff; }
.h-built_in, .h-type, .h-params, .h-variable { color: #ffa657; }
.h-tag, .h-name, .h-selector-id, .h-selector-class, .h-template-tag { color: #7ee787; }
.h-deletion { color: #ffa198; }
.h-emphasis { font-style: italic; }
.h-strong { font-weight: 700; }
.models { display: flex; flex-wrap: wrap; gap: 6px; padding: 0; margin: 8px 0 0; list-style: none; }
.empty { color: var(--muted); padding: 24px 0; text-align: center; }
.owner-controls { align-items: center; padding: 0 12px 10px; }
.owner-controls form { display: inline-flex; gap: 6px; margin: 0; }
.owner-controls input, .signin input[type=password] { background: var(--panel); color: var(--text);
  border: 1px solid var(--line); border-radius: 6px; padding: 4px 8px; font: inherit; }
.signin input[type=password] { width: 100%; padding: 10px 12px; margin: 8px 0; }
button { background: var(--panel); color: var(--accent); border: 1px solid var(--line); border-radius: 6px;
  padding: 4px 10px; font: inherit; cursor: pointer; }
button.danger { color: var(--del-text); }
.signout { float: right; }
.error { color: var(--del-text); }
#messages:has(article) ~ #no-messages { display: none; }
@media (max-width: 600px) {
  body { font-size: 14px; }
  main { padding: 16px 12px 48px; }
  h1 { font-size: 1.2rem; }
  .parts { padding: 0 10px 8px; }
  .message > .head { padding: 8px 10px; }
  .msg-foot { padding: 6px 10px; }
  .tool-time { display: none; }
  .views { margin-left: 0; }
}
`
