import { readFileSync } from 'node:fs';
import { REPO_ROOT } from './gateway-process.js';

/** Our operators' runbook (docs/runbook.md), which its e2e test runs from top to bottom. */
export const RUNBOOK_MD_PATH = `${REPO_ROOT}docs/runbook.md`;

/** One line of a ```sh block, joined across backslash continuations. */
export interface RunbookLine {
  text: string;
  /** The exit code a `# exits N ...` comment right above it announces (0 without one). */
  expectedExit: number;
}

export interface RunbookStep {
  /** The `##`/`###` heading the block sits under. */
  section: string;
  lines: RunbookLine[];
  /** The ```text block right after the ```sh block: what its command prints. */
  prints: string | null;
}

/** Every ```sh block of the runbook in document order, each with the ```text block that follows it. */
export function runbookSteps(markdown = readFileSync(RUNBOOK_MD_PATH, 'utf8')): RunbookStep[] {
  const steps: RunbookStep[] = [];
  let section = '';
  /** Where the last ```sh block closed, while only blank lines followed it. */
  let shClosedAt = -1;
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const heading = /^#{2,3} (.+)$/.exec(lines[i]);
    if (heading) section = heading[1];
    const fence = /^```(\w*)$/.exec(lines[i]);
    if (!fence) {
      if (lines[i].trim() !== '') shClosedAt = -1;
      continue;
    }
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]);
    if (fence[1] === 'sh') {
      steps.push({ section, lines: joinLines(body), prints: null });
      shClosedAt = i;
    } else {
      if (fence[1] === 'text' && shClosedAt >= 0) steps[steps.length - 1].prints = body.join('\n');
      shClosedAt = -1;
    }
  }
  return steps;
}

function joinLines(body: string[]): RunbookLine[] {
  const joined: RunbookLine[] = [];
  let expectedExit = 0;
  for (let i = 0; i < body.length; i++) {
    const exits = /^# exits (\d+)/.exec(body[i]);
    if (exits) expectedExit = Number(exits[1]);
    if (body[i].startsWith('#') || body[i].trim() === '') continue;
    let text = body[i];
    while (text.endsWith('\\') && i + 1 < body.length) text = `${text}\n${body[++i]}`;
    joined.push({ text, expectedExit });
    expectedExit = 0;
  }
  return joined;
}

/**
 * Whether `actual` shows what the runbook says a command prints: every line of `documented`, in
 * order, matches a line of the output, where `<name>` stands for any value, runs of spaces for
 * any spacing, and a line `...` for any lines.
 */
export function printsAsDocumented(documented: string, actual: string): boolean {
  const actualLines = actual.split('\n').map((line) => line.trimEnd());
  let from = 0;
  for (const line of documented.split('\n').map((l) => l.trimEnd()).filter((l) => l !== '' && l !== '...')) {
    const pattern = new RegExp(`^${line.trim().split(/(<[a-z0-9-]+>)/).map((part) => (/^<[a-z0-9-]+>$/.test(part) ? '.+?' : escape(part))).join('').replace(/( |\\ )+/g, '\\s+')}$`);
    const found = actualLines.findIndex((candidate, index) => index >= from && pattern.test(candidate.trim()));
    if (found < 0) return false;
    from = found + 1;
  }
  return true;
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
