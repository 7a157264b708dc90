// Starting the yardstick servers (yardstick-server.ts), each in its own process.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SERVICE_NODE_FLAGS, SERVICE_NODE_OPTIONS } from '../dev/stack.ts';
import { undoOnEarlyEnd } from './leftovers.ts';

export interface Yardstick {
  url: string;
  /** Its process, for the CPU it uses per request. */
  pid: number | undefined;
  stop(): Promise<void>;
}

/**
 * Starts one yardstick (see yardstick-server.ts) in its own process and returns its URL. The bare ones run as plain
 * Node; the steps built on the platform and the floors run with the V8 sizing and flags every service runs with, as
 * a service would.
 */
export async function startYardstick(...args: string[]): Promise<Yardstick> {
  const asService = (args[0]?.endsWith('-floor') || args[0]?.startsWith('platform-')) ?? false;
  const server = fileURLToPath(new URL('./yardstick-server.ts', import.meta.url));
  const child = spawn(process.execPath, [...(asService ? SERVICE_NODE_FLAGS : []), server, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    ...(asService ? { env: { ...process.env, NODE_OPTIONS: SERVICE_NODE_OPTIONS } } : {}),
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
  };
  const forget = undoOnEarlyEnd(stop);
  void exited.then(forget);
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) {
    lines.close();
    const { url } = JSON.parse(line) as { url: string };
    return { url, pid: child.pid, stop };
  }
  throw new Error(`the ${args[0]} yardstick exited before listening`);
}

/** A yardstick that could not start is reported, and its goals become UNKNOWN rather than passing. */
export async function tryYardstick(...args: string[]): Promise<Yardstick | string> {
  try {
    return await startYardstick(...args);
  } catch (err) {
    return (err as Error).message;
  }
}
