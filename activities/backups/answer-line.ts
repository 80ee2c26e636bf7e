// The receiver's answer to the transfer token, as either tunnel (port-forward or the pod network)
// sees it: the bytes the pod wrote back, up to its first newline, or the tunnel's failure first.

export class AnswerLine {
  private received = Buffer.alloc(0);
  private notify = () => {};

  /** `failure` says why the tunnel can carry nothing more, once it cannot. */
  constructor(private readonly failure: () => Error | undefined) {}

  /** Bytes the pod wrote (the last 4 KiB are kept: an answer is one short line). */
  add(bytes: Buffer): void {
    this.received = Buffer.concat([this.received, bytes]).subarray(-4096);
    this.notify();
  }

  /** The tunnel failed or closed. */
  changed(): void {
    this.notify();
  }

  /** The first line the pod wrote (without the newline); rejects with the tunnel's failure, or after `timeoutMs`. */
  first(timeoutMs: number, where: string): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => { this.notify = () => {}; reject(new Error(`${where}: no answer within ${timeoutMs}ms`)); }, timeoutMs);
      this.notify = () => {
        const nl = this.received.indexOf(0x0a);
        const err = this.failure();
        if (nl < 0 && !err) return;
        clearTimeout(timer);
        this.notify = () => {};
        if (nl >= 0) resolve(this.received.subarray(0, nl).toString('utf8'));
        else reject(err!);
      };
      this.notify();
    });
  }
}
