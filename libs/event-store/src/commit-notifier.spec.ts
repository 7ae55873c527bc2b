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
});
