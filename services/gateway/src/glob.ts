// Stream patterns: which stream ids a subscription or a token scope names. A stream id is one NATS
// token, so the wildcards work inside it: `*` matches any run of id characters (also none), and a
// trailing `>` or `**` matches whatever is left. On one-token ids `a*` and `a>` therefore name the
// same streams; both spellings are accepted so NATS-minded and glob-minded users each write what
// they expect. Pure functions, no I/O.

/** A checked, compiled pattern. */
export interface StreamPattern {
  /** The pattern as written. */
  readonly source: string;
  /** Canonical form: the trailing `>`/`**` written as `*`. */
  readonly glob: string;
  readonly re: RegExp;
}

/** Longest pattern accepted, characters. */
export const MAX_PATTERN_LENGTH = 256;

const PATTERN_RE = /^[A-Za-z0-9_*-]*(>|\*\*)?$/;

/** Compiles `source`, or null when it is not a valid pattern. */
export function compilePattern(source: unknown): StreamPattern | null {
  if (typeof source !== 'string' || source.length === 0 || source.length > MAX_PATTERN_LENGTH) return null;
  if (!PATTERN_RE.test(source)) return null;
  let glob = source;
  if (glob.endsWith('>')) glob = `${glob.slice(0, -1)}*`;
  else if (glob.endsWith('**')) glob = `${glob.slice(0, -2)}*`;
  if (glob.includes('**')) return null; // `**` only as the suffix
  glob = glob.replace(/\*+/g, '*');
  const body = glob.split('*').join('[A-Za-z0-9_-]*');
  return { source, glob, re: new RegExp(`^${body}$`) };
}

/** True when the stream id `stream` is named by `pattern`. */
export function patternMatches(pattern: StreamPattern, stream: string): boolean {
  return pattern.re.test(stream);
}

/** True when some pattern of `patterns` names `stream`. */
export function anyMatches(patterns: readonly StreamPattern[], stream: string): boolean {
  for (const p of patterns) if (p.re.test(stream)) return true;
  return false;
}

/**
 * True when every stream `inner` can name is named by `outer`. Exact for `*`-only globs: `outer`
 * must match the text of `inner` with inner's `*` read as a symbol only outer's `*` can absorb.
 */
export function patternCovers(outer: StreamPattern, inner: StreamPattern): boolean {
  const s = outer.glob;
  const p = inner.glob;
  // dp[j]: s[0..i) matches p[0..j)
  let dp = new Array<boolean>(p.length + 1).fill(false);
  dp[0] = true;
  for (let i = 1; i <= s.length; i++) {
    const next = new Array<boolean>(p.length + 1).fill(false);
    const c = s[i - 1];
    if (c === '*') {
      // `*` absorbs any run of inner's characters, wildcards included.
      next[0] = dp[0];
      for (let j = 1; j <= p.length; j++) next[j] = dp[j] || next[j - 1];
    } else {
      for (let j = 1; j <= p.length; j++) next[j] = dp[j - 1] && p[j - 1] === c;
    }
    dp = next;
  }
  return dp[p.length];
}

/**
 * True when `inner` lies within the scope. Checked against one scope pattern at a time, so a
 * pattern covered only by the union of several scope patterns is refused (safe side).
 */
export function withinScope(scope: readonly StreamPattern[], inner: StreamPattern): boolean {
  for (const outer of scope) if (patternCovers(outer, inner)) return true;
  return false;
}
