import { describe, expect, it } from '@jest/globals';
import { loadConfig } from './caracal-config.js';
import { ConfigError } from './config.error.js';

describe('loadConfig: snapshot settings', () => {
  it('keeps 10 snapshots and paces them at 20% busy by default', () => {
    expect(loadConfig({})).toMatchObject({ snapshotKeep: 10, snapshotBusyPercent: 20 });
  });

  it('takes CARACAL_SNAPSHOT_BUSY_PERCENT from 1 to 100 and refuses anything else, naming the variable', () => {
    expect(loadConfig({ CARACAL_SNAPSHOT_BUSY_PERCENT: '100' }).snapshotBusyPercent).toBe(100);
    expect(loadConfig({ CARACAL_SNAPSHOT_BUSY_PERCENT: '1' }).snapshotBusyPercent).toBe(1);
    for (const bad of ['0', '101', '0.5', 'half']) {
      expect(() => loadConfig({ CARACAL_SNAPSHOT_BUSY_PERCENT: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ CARACAL_SNAPSHOT_BUSY_PERCENT: bad })).toThrow(/CARACAL_SNAPSHOT_BUSY_PERCENT/);
    }
  });
});
