// Read markers (docs/protocol.md § 8): when a room has been seen to its end, its newest seq
// goes to the server, batched: at most one call per room per `every` ms, and only when the
// marker would move. Pure but for the timer, so Vitest covers it.

export class ReadMarks {
  private sent = new Map<string, number>()
  private wanted = new Map<string, number>()
  private timers = new Map<string, ReturnType<typeof setTimeout>>()

  constructor(
    private send: (key: string, seq: number) => Promise<void>,
    private every = 1000,
  ) {}

  /** The room `key` was seen up to `seq`. */
  seen(key: string, seq: number): void {
    if (seq <= 0 || seq <= (this.sent.get(key) ?? 0)) return
    this.wanted.set(key, Math.max(seq, this.wanted.get(key) ?? 0))
    if (this.timers.has(key)) return
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key)
        const seq = this.wanted.get(key) ?? 0
        this.wanted.delete(key)
        if (seq <= (this.sent.get(key) ?? 0)) return
        this.sent.set(key, seq)
        // a failure (offline, classic server) lets the next sighting try again
        this.send(key, seq).catch(() => this.sent.delete(key))
      }, this.every),
    )
  }
}

/** The newest seq among a room's lines (0: none). */
export function newestSeq(messages: { seq: number | null }[]): number {
  for (let i = messages.length - 1; i >= 0; i--) {
    const s = messages[i].seq
    if (s !== null) return s
  }
  return 0
}
