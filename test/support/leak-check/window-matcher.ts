const BASE = 31;

/** Hash of `text[from, from + width)`, modulo 2^32. */
function hashOf(text: string, from: number, width: number): number {
  let h = 0;
  for (let i = from; i < from + width; i++) h = (Math.imul(h, BASE) + text.charCodeAt(i)) | 0;
  return h;
}

/**
 * Finds many patterns at once in long text (Rabin-Karp on one window width): a rolling hash over the
 * text looks up the patterns whose first `width` characters hash alike, then compares for real. Thousands
 * of secrets against megabytes of logs cost one pass, where `indexOf` per secret would cost thousands.
 */
export class WindowMatcher {
  private readonly byHash = new Map<number, number[]>();
  private readonly drop: number;

  /** Every pattern must be at least `width` characters long. */
  constructor(
    private readonly patterns: readonly string[],
    private readonly width: number,
  ) {
    let drop = 1;
    for (let i = 1; i < width; i++) drop = Math.imul(drop, BASE);
    this.drop = drop;
    patterns.forEach((pattern, index) => {
      if (pattern.length < width) throw new Error(`pattern shorter than the window (${width})`);
      const h = hashOf(pattern, 0, width);
      const list = this.byHash.get(h);
      if (list) list.push(index);
      else this.byHash.set(h, [index]);
    });
  }

  /** Calls `found(patternIndex, position)` for every occurrence in `text`. */
  scan(text: string, found: (pattern: number, at: number) => void): void {
    const { width } = this;
    if (this.patterns.length === 0 || text.length < width) return;
    let h = hashOf(text, 0, width);
    for (let at = 0; ; at++) {
      const candidates = this.byHash.get(h);
      if (candidates) {
        for (const index of candidates) {
          if (text.startsWith(this.patterns[index] ?? '', at)) found(index, at);
        }
      }
      if (at + width >= text.length) return;
      h = (Math.imul(h - Math.imul(text.charCodeAt(at), this.drop), BASE) + text.charCodeAt(at + width)) | 0;
    }
  }
}
