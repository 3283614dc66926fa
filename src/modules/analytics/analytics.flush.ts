const ignore = () => undefined;

/**
 * A flush over `drain` (which writes or sends what was buffered when it began): one drain at a
 * time, and a flush that arrives mid-drain is answered by the next one, which every such flush
 * shares. So a flush resolves once everything recorded before it is through, and clicks that never
 * stop coming never keep it waiting (a drain that ran until the buffer was empty could run forever,
 * and the click journal's rotation waits on a flush). It rejects as its drain does.
 */
export function oneDrainAtATime(drain: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  let next: Promise<void> | null = null;
  const flush = (): Promise<void> => {
    if (running === null) {
      // (.finally runs asynchronously, so `running` is always set before it is cleared.)
      running = drain().finally(() => {
        running = null;
      });
      return running;
    }
    next ??= running.then(ignore, ignore).then(() => {
      next = null;
      return flush();
    });
    return next;
  };
  return flush;
}
