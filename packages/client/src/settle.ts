/** A promise's outcome as a value: lets two pipelined calls both be awaited without one's failure hiding the other. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown }

export function settle<T>(promise: PromiseLike<T>): Promise<Settled<T>> {
  return Promise.resolve(promise).then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  )
}
