import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';

/**
 * Copies the upstream's answer to the agent chunk by chunk, with backpressure. Returns true when
 * all of it was handed to the agent's connection, false when the agent went away or the upstream
 * cut the stream (the agent's response is then closed). A plain loop rather than stream.pipeline:
 * pipeline costs a Transform, a dozen listeners and, on every successful end, an error object
 * with a stack trace per stream.
 */
export async function relayResponse(body: Readable, out: ServerResponse, agentGone: AbortSignal, onChunk: (chunk: Buffer) => void): Promise<boolean> {
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      onChunk(chunk);
      // Corked until the next tick: headers, a one-chunk body and the end go out in one write.
      out.cork();
      const flushed = out.write(chunk);
      process.nextTick(uncork, out);
      if (!flushed) await once(out, 'drain', { signal: agentGone });
    }
  } catch {
    // The agent must see the answer cut short, not wait on an open response.
    out.destroy();
    return false;
  }
  out.end();
  return true;
}

function uncork(out: ServerResponse): void {
  out.uncork();
}
