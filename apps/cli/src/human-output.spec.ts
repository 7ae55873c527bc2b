// Every command's human output, for a full answer and a minimal one (optional fields absent,
// nullable ones null), as a snapshot per command: an answer shape that crashes a formatter, or
// output that changes unnoticed, fails here. The cases live in test/support/cli-output-cases.ts;
// after an intended output change, review the diff and rerun with `-u`.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CannedGateway } from '@caracal/test-support/canned-gateway.js';
import { cliCommandIds, loadCliCommand } from '@caracal/test-support/cli-command-ids.js';
import { merkleLog, OUTPUT_CASES, VARIANTS, type Variant } from '@caracal/test-support/cli-output-cases.js';
import { runCliCommand } from '@caracal/test-support/run-cli-command.js';

let gateway: CannedGateway;
let dir: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  gateway = await CannedGateway.start();
});
afterAll(async () => {
  await gateway.close();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'caracal-cli-output-'));
  process.env.CARACAL_URL = gateway.url;
  process.env.CARACAL_TOKEN = 'test-token';
  process.env.CARACAL_DATA_DIR = join(dir, '.caracal');
  delete process.env.CARACAL_MERKLE_SIGNING_KEY_FILE;
});
afterEach(() => {
  process.env = { ...savedEnv };
  rmSync(dir, { recursive: true, force: true });
  jest.restoreAllMocks();
});

/** What differs from run to run (scratch paths, generated keys and event ids, hashes) as placeholders. */
function stable(text: string): string {
  let out = text.split(dir).join('<dir>');
  for (const variant of VARIANTS) {
    const log = merkleLog(variant);
    out = out.split(log.key.keyId).join('<log key id>').split(log.key.keyId.slice(0, 16)).join('<log key id prefix>');
    log.events.forEach((event, index) => (out = out.split(event.eventId).join(`<event ${index}>`)));
  }
  return out
    .replace(/-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g, '<public key PEM>')
    .replace(/\b[0-9a-f]{64}\b/g, '<sha256>')
    .replace(/key id {2}[0-9a-f]{32}\b/g, 'key id  <event key id>')
    .replace(/in [0-9.]+ s \([0-9,]+ events\/s\)/g, 'in <seconds> s (<rate> events/s)')
    .replace(/\.[0-9a-f]{8,63}\.retired\b/g, '.<key id prefix>.retired');
}

/** An argument as a shell would need it written, so the printed command line reads unambiguously. */
function shellWord(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

describe('human output of every command', () => {
  it('has a case for every command', () => {
    expect(Object.keys(OUTPUT_CASES).sort()).toEqual(cliCommandIds());
  });

  const runs = cliCommandIds().flatMap((id) => (OUTPUT_CASES[id]?.local ? ['full' as const] : VARIANTS).map((variant): [string, Variant] => [id, variant]));

  it.each(runs)('%s (%s answer)', async (id, variant) => {
    const outputCase = OUTPUT_CASES[id];
    expect(outputCase).toBeDefined();
    const command = await loadCliCommand(id);
    const printed: string[] = [];
    for (const { argv, routes } of await outputCase.runs(variant, dir)) {
      gateway.answerFrom(routes);
      const run = await runCliCommand(command, argv);
      // A crash never reaches here (runCliCommand rethrows it); a handled failure prints no stack either.
      expect(run.stderr).not.toMatch(/TypeError|\n\s+at /);
      printed.push(`$ ${['caracal', id, ...argv.map(shellWord)].join(' ')}\n[exit ${run.exitCode}]\n${run.stdout}${run.stderr === '' ? '' : `[stderr]\n${run.stderr}`}`);
    }
    expect(stable(printed.join('\n'))).toMatchSnapshot();
  });
});
