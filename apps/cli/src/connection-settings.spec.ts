import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError, EXIT_USAGE } from './cli-error.js';
import { resolveConnectionSettings } from './connection-settings.js';

describe('resolveConnectionSettings', () => {
  let cwd: string;

  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'caracal-cli-'));
  });

  afterEach(() => {
    rmSync(cwd, { recursive: true, force: true });
  });

  /** An embedded gateway's data dir, as the gateway writes it. */
  function writeDataDir(dir: string, files: { token?: string; gatewayJson?: string }): void {
    mkdirSync(dir, { recursive: true });
    if (files.token !== undefined) writeFileSync(join(dir, 'admin-token'), files.token);
    if (files.gatewayJson !== undefined) writeFileSync(join(dir, 'gateway.json'), files.gatewayJson);
  }

  it('prefers flags over environment variables and the data dir', () => {
    writeDataDir(join(cwd, '.caracal'), { token: 'file-token\n', gatewayJson: '{"url":"http://127.0.0.1:9000"}' });
    const env = { CARACAL_URL: 'http://env:8443', CARACAL_TOKEN: 'env-token' };
    expect(resolveConnectionSettings({ url: 'http://flag:8443/', token: 'flag-token' }, env, cwd)).toEqual({
      url: 'http://flag:8443',
      token: 'flag-token',
      tokenSource: '--token',
    });
  });

  it.each([
    ['--token', { token: 'tok\nen' }, {}, '--token'],
    ['CARACAL_TOKEN', {}, { CARACAL_TOKEN: 'tök' }, 'CARACAL_TOKEN'],
    ['a space', { token: 'Bearer x' }, {}, '--token'],
  ])('refuses a token no Authorization header can carry (%s), naming where it came from', (_case, flags, env, source) => {
    let error: unknown;
    try {
      resolveConnectionSettings(flags, env, cwd);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(EXIT_USAGE);
    expect((error as CliError).message).toContain(`the admin token from ${source}`);
  });

  it('prefers environment variables over the data dir', () => {
    writeDataDir(join(cwd, '.caracal'), { token: 'file-token\n', gatewayJson: '{"url":"http://127.0.0.1:9000"}' });
    const env = { CARACAL_URL: 'https://env.example.com', CARACAL_TOKEN: 'env-token' };
    expect(resolveConnectionSettings({}, env, cwd)).toEqual({
      url: 'https://env.example.com',
      token: 'env-token',
      tokenSource: 'CARACAL_TOKEN',
    });
  });

  it('reads the embedded gateway data dir, ./.caracal by default, trimming the token file', () => {
    writeDataDir(join(cwd, '.caracal'), { token: 'file-token\n', gatewayJson: '{"url":"http://127.0.0.1:9000"}' });
    expect(resolveConnectionSettings({}, {}, cwd)).toEqual({
      url: 'http://127.0.0.1:9000',
      token: 'file-token',
      tokenSource: join(cwd, '.caracal', 'admin-token'),
    });
  });

  it('takes the data dir from --data-dir, then CARACAL_DATA_DIR', () => {
    writeDataDir(join(cwd, 'from-flag'), { token: 'flag-dir-token' });
    writeDataDir(join(cwd, 'from-env'), { token: 'env-dir-token' });
    const env = { CARACAL_DATA_DIR: 'from-env' };
    expect(resolveConnectionSettings({ dataDir: 'from-flag' }, env, cwd).token).toBe('flag-dir-token');
    expect(resolveConnectionSettings({}, env, cwd).token).toBe('env-dir-token');
  });

  it('falls back to http://127.0.0.1:8443 when nothing names a URL', () => {
    expect(resolveConnectionSettings({ token: 't' }, {}, cwd).url).toBe('http://127.0.0.1:8443');
  });

  it('treats empty flags and variables as unset', () => {
    writeDataDir(join(cwd, '.caracal'), { token: 'file-token' });
    const settings = resolveConnectionSettings({ url: '', token: '' }, { CARACAL_URL: '', CARACAL_TOKEN: '' }, cwd);
    expect(settings).toEqual({ url: 'http://127.0.0.1:8443', token: 'file-token', tokenSource: join(cwd, '.caracal', 'admin-token') });
  });

  it('says where it looked when no token is found, as a usage error', () => {
    const resolve = (): unknown => resolveConnectionSettings({}, {}, cwd);
    expect(resolve).toThrow(CliError);
    expect(resolve).toThrow('no admin token found.');
    try {
      resolve();
    } catch (error) {
      expect((error as CliError).exitCode).toBe(EXIT_USAGE);
      expect((error as CliError).detailLines.join('\n')).toContain(`--token, CARACAL_TOKEN, ${join(cwd, '.caracal', 'admin-token')}`);
      expect((error as CliError).detailLines.join('\n')).toContain('npm start');
    }
  });

  it('counts an empty token file as no token', () => {
    writeDataDir(join(cwd, '.caracal'), { token: '\n' });
    expect(() => resolveConnectionSettings({}, {}, cwd)).toThrow('no admin token found.');
  });

  it('rejects a URL that is not http(s), naming where it came from', () => {
    expect(() => resolveConnectionSettings({ url: 'gateway:8443', token: 't' }, {}, cwd)).toThrow('gateway URL from --url');
    expect(() => resolveConnectionSettings({ token: 't' }, { CARACAL_URL: 'not a url' }, cwd)).toThrow('gateway URL from CARACAL_URL');
  });

  it('reports a gateway.json without a url', () => {
    writeDataDir(join(cwd, '.caracal'), { token: 't', gatewayJson: '{"port":8443}' });
    expect(() => resolveConnectionSettings({}, {}, cwd)).toThrow(`${join(cwd, '.caracal', 'gateway.json')} has no "url" string.`);
  });

  it('does not read gateway.json when the URL is given', () => {
    writeDataDir(join(cwd, '.caracal'), { token: 't', gatewayJson: 'not json' });
    expect(resolveConnectionSettings({ url: 'http://flag:8443' }, {}, cwd).url).toBe('http://flag:8443');
  });
});
