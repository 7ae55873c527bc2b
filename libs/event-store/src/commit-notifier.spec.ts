import { describe, expect, it } from '@jest/globals';
import { stat } from 'node:fs';
import { CommitNotifier } from './commit-notifier.js';

/** Resolves once `sent` has reached `count` notifies, or fails after a deadline. */
function untilSent(sent: () => number, count: number): Promise<void> {
  const deadline = Date.now() + 2000;
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (sent() >= count) resolve();
      else if (Date.now() > deadline) reject(new Error(`${sent()} notifies sent, expected ${count}`));
      else setTimeout(check, 1);
    };
    check();
  });
}

describe('CommitNotifier', () => {
  it('sends after the I/O that the commit\'s caller starts, even from an Immediate of its own (undici reusing a keep-alive socket)', async () => {
    const order: string[] = [];
    const notifier = new CommitNotifier(async () => void order.push('notify'), () => undefined);

    // As in the gateway, the commit's answer arrives in an I/O callback (the database socket's
    // data); the caller's continuation then has its HTTP client write one Immediate later. Node
    // runs Immediates queued in an I/O callback before the next turn's timers; outside one the
    // order of a 0 ms timer and an Immediate depends on the machine's timing.
    await new Promise<void>((resolve) => stat('.', () => {
      notifier.committed();
      void Promise.resolve().then(() => setImmediate(() => order.push('upstream request written')));
      resolve();
    }));
    await untilSent(() => order.filter((entry) => entry === 'notify').length, 1);

    expect(order).toEqual(['upstream request written', 'notify']);
  });

  it('sends exactly one more notify for the commits made while one is in flight', async () => {
    let sent = 0;
    let release: () => void = () => undefined;
    const notifier = new CommitNotifier(() => {
      sent += 1;
      return sent === 1 ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
    }, () => undefined);

    notifier.committed();
    await untilSent(() => sent, 1);
    notifier.committed();
    notifier.committed();
    notifier.committed();
    release();
    await untilSent(() => sent, 2);
    notifier.committed();
    await untilSent(() => sent, 3);

    expect(sent).toBe(3);
  });

  it('reports a failed notify and keeps announcing later commits', async () => {
    const errors: unknown[] = [];
    let sent = 0;
    const notifier = new CommitNotifier(async () => {
      sent += 1;
      if (sent === 1) throw new Error('connection lost');
    }, (error) => errors.push(error));

    notifier.committed();
    await untilSent(() => sent, 1);
    await untilSent(() => errors.length, 1);
    notifier.committed();
    await untilSent(() => sent, 2);

    expect((errors[0] as Error).message).toBe('connection lost');
    expect(errors).toHaveLength(1);
  });

  it('while commits keep coming, sends one notify per interval, each after the commits it covers, and one after the last commit', async () => {
    const sends: number[] = [];
    const commits: number[] = [];
    const notifier = new CommitNotifier(async () => void sends.push(performance.now()), () => undefined, 20);

    // A commit every millisecond or so for 150 ms (timers only ever fire late, so fewer is fine).
    const until = performance.now() + 150;
    await new Promise<void>((resolve) => {
      const commit = (): void => {
        commits.push(performance.now());
        notifier.committed();
        if (performance.now() < until) setTimeout(commit, 1);
        else resolve();
      };
      commit();
    });
    const lastCommit = commits[commits.length - 1];
    await untilSent(() => sends.filter((at) => at >= lastCommit).length, 1);

    // Node's timers count whole milliseconds from the loop's cached time, which can be a
    // millisecond or two behind: a gap may read that much short of the interval, never more.
    const gaps = sends.slice(1).map((at, i) => at - sends[i]);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(17);
    expect(sends.length).toBeLessThanOrEqual(Math.ceil((sends[sends.length - 1] - sends[0]) / 17) + 1);
    expect(commits.length).toBeGreaterThan(sends.length);
    expect(sends[0]).toBeGreaterThanOrEqual(commits[0]);
  });

  it('announces a commit after a quiet spell at once, without waiting out an interval', async () => {
    const sends: number[] = [];
    const notifier = new CommitNotifier(async () => void sends.push(performance.now()), () => undefined, 60_000);

    notifier.committed();
    await untilSent(() => sends.length, 1);

    expect(sends).toHaveLength(1);
  });
});
