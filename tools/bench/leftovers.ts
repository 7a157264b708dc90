// What a run starts besides the system under test: the yardstick servers, pgbench and its scratch database. Each
// registers how to undo itself while it exists, so a run that ends early (a signal, a closed output) undoes them as it
// stops the system it started, and leaves no server listening, no pgbench loading the database, no scratch database.
type Undo = () => Promise<void>;

const pending = new Set<Undo>();

/** Registers `undo` until the returned function is called (when the thing is undone the ordinary way). */
export function undoOnEarlyEnd(undo: Undo): () => void {
  pending.add(undo);
  return () => pending.delete(undo);
}

/** Undoes everything still registered, each on its own: one that fails does not keep the others from running. */
export async function undoAll(): Promise<void> {
  const all = [...pending];
  pending.clear();
  await Promise.allSettled(all.map((undo) => undo()));
}
