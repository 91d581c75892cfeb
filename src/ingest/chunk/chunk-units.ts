import type { Block } from '../../core/parsed-document.js';
import type { TokenCounter } from '../../models/tokenize/token-counter.js';
import { type CountedPiece, splitSentences, splitToBudget } from './split-text.js';

/** Rows of one table (or one CSV run) share a group; its header opens every chunk that holds its rows. */
export interface UnitGroup {
  id: number;
  header: string;
  tokens: number;
}

/**
 * The smallest piece the packer moves: a sentence, a line, a whole small code block, a table row.
 * Every unit fits the section's text budget on its own (rows together with their group header).
 */
export interface Unit extends CountedPiece {
  /** Index of the section (heading scope) the unit belongs to. */
  section: number;
  /** Tokens of the run this unit opens (a paragraph, a code group, a table) that should stay together; 0 if none. */
  runTokens: number;
  /** Whether the unit may be repeated as overlap at the start of the next chunk (prose and code lines). */
  overlappable: boolean;
  group?: UnitGroup;
  page?: number;
  lineStart?: number;
  lineEnd?: number;
}

export interface Section {
  headingPath: string[];
  /** The anchor of each heading of `headingPath` (undefined where the source gives none). */
  anchors: Array<string | undefined>;
  /** Largest text budget (tokens) of a chunk that carries this section's heading path. */
  budget: number;
  units: Unit[];
  tokens: number;
}

interface Location {
  page?: number;
  line?: number;
}

/**
 * Blocks → sections of budget-sized units. Headings open sections (a heading of level n pops the
 * path down to n - 1 levels) and are the first unit of their section, so no heading text is lost.
 * `budgetFor(path)` gives the text budget of a chunk with that heading path.
 */
export function blocksToSections(blocks: Block[], tokenizer: TokenCounter, budgetFor: (headingPath: string[]) => number): Section[] {
  const sections: Section[] = [];
  const levels: Array<{ level: number; text: string; anchor?: string }> = [];
  let groupIds = 0;
  let openRowHeader: string | undefined;
  let openRowGroup: UnitGroup | undefined;
  let section = openSection([], []);

  function openSection(headingPath: string[], anchors: Array<string | undefined>): Section {
    const created: Section = { headingPath, anchors, budget: Math.max(1, budgetFor(headingPath)), units: [], tokens: 0 };
    sections.push(created);
    return created;
  }

  /** Appends a unit; all fields are set (undefined where absent) so every unit has one object shape. */
  function add(
    piece: CountedPiece,
    overlappable: boolean,
    page: number | undefined,
    lineStart: number | undefined,
    lineEnd: number | undefined,
    group?: UnitGroup,
  ): void {
    const unit: Unit = {
      text: piece.text,
      tokens: piece.tokens,
      joiner: piece.joiner,
      section: sections.length - 1,
      runTokens: 0,
      overlappable,
      group,
      page,
      lineStart,
      lineEnd,
    };
    const opensGroup = group !== undefined && section.units.at(-1)?.group?.id !== group.id;
    section.units.push(unit);
    section.tokens += unit.tokens + (opensGroup ? group.tokens : 0);
  }

  function addLines(
    text: string,
    location: Location,
    firstJoiner: CountedPiece['joiner'],
    budget: number,
    bySentence: boolean,
    overlappable = true,
    lineTokens?: number[],
  ): void {
    const lines = text.split('\n');
    let joiner = firstJoiner;
    let runStart = section.units.length;
    for (let index = 0; index < lines.length; index++) {
      const line = (lines[index] as string).trimEnd();
      if (line.trim().length === 0) {
        markRun(runStart);
        runStart = section.units.length;
        joiner = '\n\n';
        continue;
      }
      const pieces: CountedPiece[] = [];
      const sentences = bySentence ? splitSentences(line) : [line];
      sentences.forEach((sentence, sentenceIndex) => {
        const sentenceJoiner = sentenceIndex === 0 ? joiner : ' ';
        const tokens = bySentence ? tokenizer.count(sentence) : (lineTokens?.[index] ?? tokenizer.count(sentence));
        if (tokens <= budget) pieces.push({ text: sentence, tokens, joiner: sentenceJoiner });
        else pieces.push(...splitToBudget(sentence, budget, tokenizer, sentenceJoiner));
      });
      const lineNumber = location.line === undefined ? undefined : location.line + index;
      for (const piece of pieces) add(piece, overlappable, location.page, lineNumber, lineNumber);
      joiner = '\n';
    }
    markRun(runStart);
  }

  /** Records on the first unit from `from` the tokens of the run of units it opens (when there are several). */
  function markRun(from: number): number {
    let tokens = 0;
    for (let index = from; index < section.units.length; index++) tokens += (section.units[index] as Unit).tokens;
    const opening = section.units[from];
    if (opening !== undefined && section.units.length - from > 1) opening.runTokens = tokens;
    return tokens;
  }

  for (const block of blocks) {
    if (block.kind !== 'row') openRowHeader = undefined;
    if (block.kind === 'heading') {
      while (levels.length > 0 && (levels.at(-1) as { level: number }).level >= block.level) levels.pop();
      const text = block.text.trim();
      levels.push({ level: block.level, text, anchor: block.anchor });
      const named = levels.filter((entry) => entry.text.length > 0);
      section = openSection(named.map((entry) => entry.text), named.map((entry) => entry.anchor));
      if (text.length > 0) addLines(text.replace(/\s+/g, ' '), block, '\n\n', section.budget, false, false);
      continue;
    }
    if (block.text.trim().length === 0) continue;
    if (block.kind === 'text') {
      addLines(block.text, block, '\n\n', section.budget, true);
    } else if (block.kind === 'code') {
      const lineTokens = tokenizer.additive === true ? block.text.split('\n').map((line) => tokenizer.count(line)) : undefined;
      const tokens = lineTokens === undefined ? tokenizer.count(block.text) : lineTokens.reduce((sum, count) => sum + count, 0);
      if (tokens <= section.budget) {
        const lineEnd = block.line === undefined ? undefined : block.line + block.text.split('\n').length - 1;
        add({ text: block.text, tokens, joiner: '\n\n' }, true, block.page, block.line, lineEnd);
      } else {
        addLines(block.text, block, '\n\n', section.budget, false, true, lineTokens);
      }
    } else if (block.kind === 'table') {
      addTable(block);
    } else {
      const header = block.header.trim();
      if (openRowHeader !== header) {
        openRowHeader = header;
        openRowGroup = makeGroup(header);
        if (openRowGroup === undefined && header.length > 0) addLines(header, block, '\n\n', section.budget, false, false);
      }
      addGroupedLines(block.text, openRowGroup, block, block.line);
    }
  }
  return sections;

  function makeGroup(header: string): UnitGroup | undefined {
    if (header.length === 0) return undefined;
    const tokens = tokenizer.count(header);
    if (tokens > section.budget / 2) return undefined;
    return { id: groupIds++, header, tokens };
  }

  function addTable(block: Extract<Block, { kind: 'table' }>): void {
    const header = (block.header ?? '').trim();
    let body = block.text.trim();
    if (header.length > 0 && body.startsWith(header)) body = body.slice(header.length);
    const group = makeGroup(header);
    if (group === undefined && header.length > 0) addLines(header, block, '\n\n', section.budget, false, false);
    const first = section.units.length;
    addGroupedLines(body, group, block, undefined);
    const opening = section.units[first];
    if (opening !== undefined) {
      opening.joiner = '\n\n';
      opening.runTokens = markRun(first) + (group?.tokens ?? 0);
    }
  }

  function addGroupedLines(text: string, group: UnitGroup | undefined, location: Location, line: number | undefined): void {
    const budget = section.budget - (group?.tokens ?? 0);
    const lines = text.split('\n');
    lines.forEach((raw, index) => {
      const row = raw.trimEnd();
      if (row.trim().length === 0) return;
      const tokens = tokenizer.count(row);
      const pieces = tokens <= budget ? [{ text: row, tokens, joiner: '\n' as const }] : splitToBudget(row, budget, tokenizer, '\n');
      const rowLine = line === undefined ? undefined : line + index;
      for (const piece of pieces) {
        add(piece, false, location.page, rowLine, rowLine, group);
      }
    });
  }
}
