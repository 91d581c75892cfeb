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
  const levels: Array<{ level: number; text: string }> = [];
  let groupIds = 0;
  let openRowHeader: string | undefined;
  let openRowGroup: UnitGroup | undefined;
  let section = openSection([]);

  function openSection(headingPath: string[]): Section {
    const created: Section = { headingPath, budget: Math.max(1, budgetFor(headingPath)), units: [], tokens: 0 };
    sections.push(created);
    return created;
  }

  function add(unit: Omit<Unit, 'section'>): void {
    section.units.push({ ...unit, section: sections.length - 1 });
    section.tokens += unit.tokens + (unit.group && !previousHasGroup(unit.group) ? unit.group.tokens : 0);
  }

  function previousHasGroup(group: UnitGroup): boolean {
    return section.units.at(-1)?.group?.id === group.id;
  }

  function addPieces(pieces: CountedPiece[], location: Location, lineOffset: number, extra: Partial<Unit>, runTokens = 0): void {
    pieces.forEach((piece, index) => {
      const line = location.line === undefined ? {} : { lineStart: location.line + lineOffset, lineEnd: location.line + lineOffset };
      add({ ...piece, runTokens: index === 0 ? runTokens : 0, overlappable: true, ...pageOf(location), ...line, ...extra });
    });
  }

  /** Lines of `text` as units (each split further when over budget), the first joined by `joiner`. */
  function addLines(text: string, location: Location, firstJoiner: CountedPiece['joiner'], budget: number, bySentence: boolean, extra: Partial<Unit> = {}): void {
    const lines = text.split('\n');
    let joiner = firstJoiner;
    let runStart = true;
    for (let index = 0; index < lines.length; index++) {
      const line = (lines[index] as string).trimEnd();
      if (line.trim().length === 0) {
        joiner = '\n\n';
        runStart = true;
        continue;
      }
      const pieces: CountedPiece[] = [];
      const sentences = bySentence ? splitSentences(line) : [line];
      sentences.forEach((sentence, sentenceIndex) => {
        const sentenceJoiner = sentenceIndex === 0 ? joiner : ' ';
        const tokens = tokenizer.count(sentence);
        if (tokens <= budget) pieces.push({ text: sentence, tokens, joiner: sentenceJoiner });
        else pieces.push(...splitToBudget(sentence, budget, tokenizer, sentenceJoiner));
      });
      const runTokens = runStart ? runLength(lines, index) : 0;
      addPieces(pieces, location, index, extra, runTokens);
      joiner = '\n';
      runStart = false;
    }
  }

  function runLength(lines: string[], from: number): number {
    let end = from;
    while (end < lines.length && (lines[end] as string).trim().length > 0) end++;
    return end === from + 1 ? 0 : tokenizer.count(lines.slice(from, end).join('\n'));
  }

  for (const block of blocks) {
    if (block.kind !== 'row') openRowHeader = undefined;
    if (block.kind === 'heading') {
      while (levels.length > 0 && (levels.at(-1) as { level: number }).level >= block.level) levels.pop();
      const text = block.text.trim();
      levels.push({ level: block.level, text });
      section = openSection(levels.map((entry) => entry.text).filter((entry) => entry.length > 0));
      if (text.length > 0) addLines(text.replace(/\s+/g, ' '), block, '\n\n', section.budget, false, { overlappable: false });
      continue;
    }
    if (block.text.trim().length === 0) continue;
    if (block.kind === 'text') {
      addLines(block.text, block, '\n\n', section.budget, true);
    } else if (block.kind === 'code') {
      const tokens = tokenizer.count(block.text);
      if (tokens <= section.budget) {
        const lineCount = block.text.split('\n').length;
        const lines = block.line === undefined ? {} : { lineStart: block.line, lineEnd: block.line + lineCount - 1 };
        add({ text: block.text, tokens, joiner: '\n\n', runTokens: 0, overlappable: true, ...pageOf(block), ...lines });
      } else {
        addLines(block.text, block, '\n\n', section.budget, false);
      }
    } else if (block.kind === 'table') {
      addTable(block);
    } else {
      const header = block.header.trim();
      if (openRowHeader !== header) {
        openRowHeader = header;
        openRowGroup = makeGroup(header);
        if (openRowGroup === undefined && header.length > 0) addLines(header, block, '\n\n', section.budget, false, { overlappable: false });
      }
      addGroupedLines(block.text, openRowGroup, block, block.line);
    }
  }
  return sections.filter((entry) => entry.units.length > 0);

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
    if (group === undefined && header.length > 0) addLines(header, block, '\n\n', section.budget, false, { overlappable: false });
    const first = section.units.length;
    addGroupedLines(body, group, block, undefined);
    const opening = section.units[first];
    if (opening !== undefined) {
      opening.joiner = '\n\n';
      opening.runTokens = tokenizer.count(body) + (group?.tokens ?? 0);
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
      const rowLine = line === undefined ? {} : { lineStart: line + index, lineEnd: line + index };
      for (const piece of pieces) {
        add({ ...piece, runTokens: 0, overlappable: false, ...pageOf(location), ...rowLine, ...(group ? { group } : {}) });
      }
    });
  }
}

function pageOf(location: Location): { page?: number } {
  return location.page === undefined ? {} : { page: location.page };
}
