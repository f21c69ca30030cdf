// Command-line options shared by every bench section: which sections, --quick, --rounds N,
// --seconds S (time per sample). Parsed and frozen once; an unknown flag or section is an error.

export interface BenchArgs {
  /** Sections named on the command line; empty = all. */
  readonly sections: readonly string[];
  /** Fewer and shorter rounds: a smoke run, not for the record. Default false. */
  readonly quick: boolean;
  /** Interleaved rounds per figure; the median is reported. Default: section's own (lstm: 7, quick 5). */
  readonly rounds: number | undefined;
  /** Target seconds of one timed sample. Default: section's own (lstm: 0.25 s, quick 0.05 s). */
  readonly seconds: number | undefined;
  /** Do not write results/ (e.g. a quick run). Default: write unless --quick. */
  readonly noWrite: boolean;
  /** Print the section names and exit. */
  readonly list: boolean;
}

export function parseBenchArgs(argv: readonly string[], known: readonly string[]): BenchArgs {
  const sections: string[] = [];
  let quick = false;
  let rounds: number | undefined;
  let seconds: number | undefined;
  let noWrite = false;
  let list = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') quick = true;
    else if (a === '--no-write') noWrite = true;
    else if (a === '--list') list = true;
    else if (a === '--rounds') rounds = positive(a, argv[++i]);
    else if (a === '--seconds') seconds = positive(a, argv[++i]);
    else if (a.startsWith('--')) throw new Error(`unknown option ${a} (known: --quick --rounds N --seconds S --no-write --list)`);
    else if (known.includes(a)) sections.push(a);
    else throw new Error(`unknown section ${a} (known: ${known.join(', ')})`);
  }
  if (rounds !== undefined && !Number.isInteger(rounds)) throw new Error('--rounds must be an integer');
  return Object.freeze({ sections, quick, rounds, seconds, noWrite: noWrite || quick, list });
}

function positive(flag: string, v: string | undefined): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} needs a positive number, got ${String(v)}`);
  return n;
}
