/**
 * `Intl.Segmenter` over bounded windows. V8's segment iterator costs time proportional to the whole input for each
 * segment it yields (measured on Node 20: 80 KB of short sentences takes ~95 ms, 1 MB takes ~90 s; word
 * segmentation is ~10x worse), so long inputs are fed to it a window at a time. Segments near a window's end may be
 * cut or decided without enough context, so they are not emitted: the next window starts at the first of them.
 */

export interface Segment {
  segment: string;
  /** Offset in the full input (UTF-16 code units, like String.prototype.slice). */
  index: number;
  isWordLike?: boolean;
}

// Segmenters hold no per-input state, so one per granularity is shared; the default locale keeps CJK dictionaries.
const segmenters = new Map<Intl.SegmenterOptions['granularity'], Intl.Segmenter>();

function segmenterFor(granularity: 'sentence' | 'word'): Intl.Segmenter {
  let s = segmenters.get(granularity);
  if (!s) segmenters.set(granularity, (s = new Intl.Segmenter(undefined, { granularity })));
  return s;
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;

/**
 * Lazily yields the sentence or word segments of `text`, with offsets into `text`, in linear time. A run longer
 * than a window with no boundary in it (a 1 MB string with no punctuation) is cut at its last whitespace past the
 * window's middle, or at the window edge, so the work per segment stays bounded.
 *
 * @example
 *   [...segmentText('Hi there. Bye.', 'sentence')].map((s) => s.segment) // ['Hi there. ', 'Bye.']
 */
export function* segmentText(
  text: string,
  granularity: 'sentence' | 'word',
  { window = 2048 }: { window?: number } = {},
): Generator<Segment> {
  const segmenter = segmenterFor(granularity);
  const size = Math.max(64, Math.floor(window));
  const margin = Math.min(64, Math.floor(size / 4));
  const n = text.length;
  let p = 0;
  while (p < n) {
    let end = Math.min(n, p + size);
    // Never split a surrogate pair: half an emoji would become two replacement characters downstream.
    if (end < n && isHighSurrogate(text.charCodeAt(end - 1))) end--;
    const chunk = text.slice(p, end);
    const segs = Array.from(segmenter.segment(chunk));
    if (end === n) {
      for (const s of segs) yield { segment: s.segment, index: p + s.index, isWordLike: s.isWordLike };
      return;
    }
    if (segs.length > 1) {
      // Only boundaries with some text after them inside the window are trusted: ICU looks ahead ("4.|5" is one
      // word, "e.g. |the" one sentence), so a boundary right at the window edge may vanish with more context.
      const safeEnd = chunk.length - margin;
      let next = 1;
      while (next < segs.length - 1 && segs[next]!.index + segs[next]!.segment.length <= safeEnd) next++;
      for (const s of segs.slice(0, next)) yield { segment: s.segment, index: p + s.index, isWordLike: s.isWordLike };
      p += segs[next]!.index;
      continue;
    }
    let cut = chunk.length;
    for (let i = chunk.length - 1; i > chunk.length / 2; i--) {
      if (/\s/.test(chunk[i]!)) {
        cut = i + 1;
        break;
      }
    }
    yield { segment: chunk.slice(0, cut), index: p, isWordLike: segs[0]?.isWordLike };
    p += cut;
  }
}
