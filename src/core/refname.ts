/**
 * What may reach git as a ref name, a branch name or a remote: git's own rules (`git check-ref-format`,
 * refs.c `check_refname_component`), plus a refusal of anything git could read as an option. Pure: the config
 * schema and `validate` call these, and the git layer relies on them never letting a leading `-` through.
 * Each function returns the reason a value is refused, or undefined when git would take it as what it is.
 */

/** Characters git refuses anywhere in a ref name: control characters, space, `~ ^ : ? * [ \`. */
const REF_BAD_CHAR = /[\x00-\x20\x7f~^:?*[\\]/;

function describeChar(ch: string): string {
  const code = ch.charCodeAt(0);
  if (ch === ' ') return 'a space';
  if (code < 0x20 || code === 0x7f) return code === 0x0a ? 'a newline' : `a control character (0x${code.toString(16).padStart(2, '0')})`;
  return `"${ch}"`;
}

/** Why `name` is not a valid full ref name (`refs/heads/x`), by git's check-ref-format rules. */
export function refNameProblem(name: string): string | undefined {
  if (!name) return 'is empty';
  const bad = REF_BAD_CHAR.exec(name);
  if (bad) return `contains ${describeChar(bad[0])}, which git refuses in a ref name`;
  if (name === '@') return 'is "@", which git refuses as a ref name';
  if (name.includes('@{')) return 'contains "@{", which git refuses in a ref name';
  if (name.includes('..')) return 'contains "..", which git refuses in a ref name';
  if (name.startsWith('/') || name.endsWith('/')) return 'starts or ends with "/"';
  if (name.includes('//')) return 'contains "//"';
  if (name.endsWith('.')) return 'ends with "."';
  for (const part of name.split('/')) {
    if (part.startsWith('.')) return `has a part starting with "." ("${part}")`;
    if (part.endsWith('.lock')) return `has a part ending with ".lock" ("${part}")`;
  }
  return undefined;
}

/** Why `name` is not a branch name git would create (`git check-ref-format --branch`), or could read as an option. */
export function branchNameProblem(name: string): string | undefined {
  if (name.startsWith('-')) return 'starts with "-" (git would read it as an option)';
  if (name === 'HEAD') return 'is "HEAD", which git refuses as a branch name';
  if (name.startsWith('refs/')) return 'starts with "refs/": give the short branch name (worker/core, not refs/heads/worker/core)';
  return refNameProblem(`refs/heads/${name}`);
}

/** Transports git reaches over the network or the file system without running a helper program of the URL's choosing. */
const URL_SCHEMES = new Set(['http', 'https', 'ssh', 'git', 'file', 'git+ssh', 'ssh+git']);

/** Why `url` is not a plain git URL (scheme://…, scp-like user@host:path, or an absolute path). */
function urlProblem(url: string): string | undefined {
  if (/::/.test(url.split('/')[0])) return 'uses a remote helper ("<transport>::<address>"), which runs a program: give a plain URL';
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/.exec(url);
  if (scheme) {
    if (!URL_SCHEMES.has(scheme[1].toLowerCase())) return `uses the transport "${scheme[1]}": use https://, ssh://, git:// or file://`;
    const host = scheme[2].replace(/^[^@/]*@/, '');
    if (scheme[1].toLowerCase() !== 'file' && !/^[A-Za-z0-9[]/.test(host)) return 'has no host name after "://" (or one starting with "-")';
    return undefined;
  }
  if (url.startsWith('/') || url.startsWith('./') || url.startsWith('../')) return undefined;
  // scp-like `[user@]host:path`: git takes it so when a ":" comes before any "/".
  const scp = /^(?:[^@/:]+@)?([^/:]+):(.*)$/.exec(url);
  if (scp) {
    if (!/^[A-Za-z0-9[]/.test(scp[1])) return `has the host "${scp[1]}", which does not start with a letter or digit`;
    if (!scp[2]) return 'has no path after ":"';
    return undefined;
  }
  return 'is neither a remote name nor a URL';
}

/**
 * Why `value` is neither a remote name (`git remote add <name>`: `refs/remotes/<name>/x` must be a valid ref) nor
 * a git URL. Either way it must not start with "-" and holds no whitespace or control characters.
 */
export function remoteProblem(value: string): string | undefined {
  if (!value) return 'is empty';
  if (value.startsWith('-')) return 'starts with "-" (git would read it as an option)';
  const bad = /[\x00-\x20\x7f]/.exec(value);
  if (bad) return `contains ${describeChar(bad[0])}`;
  if (isRemoteUrl(value)) return urlProblem(value);
  return refNameProblem(`refs/remotes/${value}/x`);
}

/** Whether a remote value is a URL or path rather than the name of a configured remote. */
export function isRemoteUrl(value: string): boolean {
  return value.includes(':') || value.startsWith('/') || value.startsWith('.');
}

export const REMOTE_HINT = 'use a remote name such as origin or a URL such as https://example.com/team/repo.git';
export const BRANCH_HINT = 'use a branch name such as main or worker/core';

/** A revision as `summary` and `validate --changed` take it: a ref, a hash, `HEAD~2`, `@{u}`, `main^`. */
const REVISION = /^[A-Za-z0-9_@{}~^/.+-]+$/;

/** Why `rev` cannot be one revision git reads as such (never as an option): the sides of a range are checked with this. */
export function revisionProblem(rev: string): string | undefined {
  if (!rev) return 'is empty';
  if (rev.length > 200) return 'is over 200 characters';
  if (rev.startsWith('-')) return 'starts with "-" (git would read it as an option)';
  const bad = /[\x00-\x20\x7f]/.exec(rev);
  if (bad) return `contains ${describeChar(bad[0])}`;
  if (!REVISION.test(rev) || rev.includes('..')) return 'is not a revision (a branch, tag, commit hash or an expression like HEAD~3)';
  return undefined;
}

/** A revision range split into its ends (`a..b`, `a...b`, `a..`, or one revision meaning everything it reaches), or why it is refused. */
export function parseRevRange(range: string): { ok: true; from?: string; to: string; symmetric: boolean } | { ok: false; message: string } {
  const m = /^(.*?)(\.\.\.?)(.*)$/.exec(range);
  const ends = m ? [m[1], m[3]] : [range];
  if (m && !m[1] && !m[3]) return { ok: false, message: `"${range}" has no revision on either side of "${m[2]}"` };
  for (const end of ends) {
    if (m && !end) continue;
    const problem = revisionProblem(end);
    if (problem) return { ok: false, message: `"${JSON.stringify(end).slice(1, -1).slice(0, 80)}" ${problem}` };
  }
  if (!m) return { ok: true, to: range, symmetric: false };
  return { ok: true, from: m[1] || 'HEAD', to: m[3] || 'HEAD', symmetric: m[2] === '...' };
}
