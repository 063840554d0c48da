/**
 * Text from docs, commits, file names and alerts, made safe to print on a terminal. Whoever can write a doc
 * or push a commit must not be able to drive the lead's terminal: OSC 52 writes the clipboard, CSI clears
 * the screen or hides text, a lone CR overwrites a line, bidi overrides reorder it. Each such character is
 * shown as its escape (`\u001b`), so it is visible instead of obeyed. Our own colours are added after this.
 */

// C0, DEL, C1, and the bidirectional overrides and isolates.
const UNSAFE_LINE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
// The same in a body, except the tab and the line break (CRLF included) that Markdown is made of.
const UNSAFE_BLOCK = /[\u0000-\u0008\u000b-\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]|\r(?!\n)/g;
// What JSON.stringify leaves raw although a terminal may obey it: DEL, C1, bidi controls.
const UNSAFE_IN_JSON = /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

function escapeChar(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** One-line text (a title, a name, a commit subject, a file name, an alert): every control character shown. */
export function safeLine(text: string): string {
  return text.replace(UNSAFE_LINE, escapeChar);
}

/** A doc's body: as `safeLine`, but tabs and line breaks stay. */
export function safeBlock(text: string): string {
  return text.replace(UNSAFE_BLOCK, escapeChar);
}

/**
 * The last guard, on everything written to stdout and stderr: what JSON.stringify does not escape. Inside a
 * JSON string `\u009b` is the same value, so `--json` output stays exact JSON; in text it is shown, not obeyed.
 * C0 cannot be handled here (our colours are ESC sequences): `safeLine`/`safeBlock` handle it at the source.
 */
export function safeOutput(text: string): string {
  return text.replace(UNSAFE_IN_JSON, escapeChar);
}
