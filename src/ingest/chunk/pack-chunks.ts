import type { Section, Unit } from './chunk-units.js';

/** Units of one chunk in order (group headers included as units), with the sections they came from. */
export interface PackedChunk {
  units: Unit[];
  /** Sum of the units' tokens: the chunk's token count when counts are additive across whitespace. */
  tokens: number;
  firstSection: number;
  lastSection: number;
}

interface Draft extends PackedChunk {
  budget: number;
  lastGroupId: number;
  /** Units carried over as overlap; a draft holding only these is never emitted. */
  carried: number;
}

/**
 * Greedy packing of units into chunks of at most the section budget (tokens).
 * - A section boundary ends the chunk, unless one side is tiny (under a quarter of its budget) and
 *   the merge fits: small neighbouring sections share a chunk instead of making 10-token chunks.
 * - A run (paragraph, code group, table) that does not fit the rest of a chunk that is at least
 *   half full, but fits an empty one, starts the next chunk instead of being cut.
 * - A chunk ended by the budget hands up to `overlap` tokens of its last prose/code units to the
 *   next chunk of the same section (never across a section boundary).
 * Every unit fits its section's budget on its own, so each chunk's token sum stays within budget.
 */
export function packChunks(sections: Section[], overlap: number): PackedChunk[] {
  const chunks: PackedChunk[] = [];
  let draft: Draft | undefined;

  const emit = (): Draft | undefined => {
    const done = draft;
    if (done !== undefined && done.units.length > 0) {
      chunks.push({ units: done.units, tokens: done.tokens, firstSection: done.firstSection, lastSection: done.lastSection });
    }
    draft = undefined;
    return done;
  };

  const start = (sectionIndex: number, budget: number): Draft => {
    draft = { units: [], tokens: 0, firstSection: sectionIndex, lastSection: sectionIndex, budget, lastGroupId: -1, carried: 0 };
    return draft;
  };

  const headerCost = (current: Draft, unit: Unit): number =>
    unit.group !== undefined && unit.group.id !== current.lastGroupId ? unit.group.tokens : 0;

  const push = (current: Draft, unit: Unit): void => {
    const opensGroup = unit.group !== undefined && unit.group.id !== current.lastGroupId;
    if (opensGroup && unit.group !== undefined) {
      const { group } = unit;
      current.units.push({ text: group.header, tokens: group.tokens, joiner: '\n\n', section: unit.section, runTokens: 0, overlappable: false, ...(unit.page === undefined ? {} : { page: unit.page }) });
      current.tokens += group.tokens;
    }
    current.units.push(opensGroup ? { ...unit, joiner: '\n' } : unit);
    current.tokens += unit.tokens;
    current.lastGroupId = unit.group?.id ?? -1;
    current.lastSection = unit.section;
  };

  sections.forEach((section, sectionIndex) => {
    if (section.units.length === 0) return;
    if (draft !== undefined && draft.units.length > 0) {
      const budget = Math.min(draft.budget, section.budget);
      const draftTiny = draft.tokens < draft.budget / 4;
      const sectionTiny = section.tokens < section.budget / 4;
      const fitsWhole = draft.tokens + section.tokens <= budget;
      if ((fitsWhole && (draftTiny || sectionTiny)) || (draftTiny && draft.tokens <= budget)) draft.budget = budget;
      else emit();
    }
    for (const unit of section.units) {
      let current = draft ?? start(sectionIndex, section.budget);
      const cost = unit.tokens + headerCost(current, unit);
      const breakBeforeRun =
        unit.runTokens > 0 &&
        current.tokens + unit.runTokens > current.budget &&
        unit.runTokens <= section.budget &&
        current.tokens >= current.budget / 2;
      if (current.units.length > current.carried && (breakBeforeRun || current.tokens + cost > current.budget)) {
        const previous = emit() as Draft;
        current = start(sectionIndex, section.budget);
        for (const carried of overlapUnits(previous, sectionIndex, overlap, current.budget - unit.tokens - (unit.group?.tokens ?? 0))) {
          push(current, carried);
          current.carried++;
        }
      }
      push(current, unit);
    }
  });
  emit();
  return chunks;
}

/** The longest tail of `previous` made of prose/code units of `sectionIndex` within `overlap` and `room` tokens. */
function overlapUnits(previous: Draft, sectionIndex: number, overlap: number, room: number): Unit[] {
  const limit = Math.min(overlap, room);
  const carried: Unit[] = [];
  let tokens = 0;
  for (let index = previous.units.length - 1; index >= 0; index--) {
    const unit = previous.units[index] as Unit;
    if (!unit.overlappable || unit.section !== sectionIndex || tokens + unit.tokens > limit) break;
    carried.unshift(unit);
    tokens += unit.tokens;
  }
  return carried;
}
