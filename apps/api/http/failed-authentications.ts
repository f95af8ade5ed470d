import { TooManyRequests } from '@clientele/shared';

/** Addresses remembered at most: a flood of addresses costs bounded memory. */
const REMEMBERED = 10_000;

interface Window {
  failures: number;
  endsAt: number;
}

/**
 * Wrong tokens per address, in fixed windows: past the limit, every request from that address
 * that presents a token answers 429 with Retry-After until its window ends, before the token is
 * looked up — so a guesser learns nothing, even from a right guess, and costs the database
 * nothing. A request without a token is not counted: it guesses nothing. In memory, per process:
 * each API replica counts its own.
 */
export class FailedAuthentications {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly limit: number,
    private readonly windowSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws TooManyRequests while the address has used up its window. */
  check(address: string): void {
    const window = this.current(address);
    if (window && window.failures >= this.limit) {
      const seconds = Math.max(1, Math.ceil((window.endsAt - this.now()) / 1000));
      throw new TooManyRequests(
        `Too many wrong tokens from this address: try again in ${seconds} s.`,
        seconds,
      );
    }
  }

  /** A wrong token from the address. */
  record(address: string): void {
    const window = this.current(address);
    if (window) {
      window.failures += 1;
      return;
    }
    if (this.windows.size >= REMEMBERED) this.forgetEnded();
    // Still full of live windows: the oldest goes (Maps keep insertion order).
    if (this.windows.size >= REMEMBERED) {
      this.windows.delete(this.windows.keys().next().value!);
    }
    this.windows.set(address, { failures: 1, endsAt: this.now() + this.windowSeconds * 1000 });
  }

  private current(address: string): Window | undefined {
    const window = this.windows.get(address);
    if (window && window.endsAt <= this.now()) {
      this.windows.delete(address);
      return undefined;
    }
    return window;
  }

  private forgetEnded(): void {
    const now = this.now();
    for (const [address, window] of this.windows) {
      if (window.endsAt <= now) this.windows.delete(address);
    }
  }
}
