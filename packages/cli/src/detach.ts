/**
 * The detach sequence, Ctrl-P Ctrl-Q, in what the user types into an attached terminal. A Ctrl-P is held back
 * until the next byte shows whether the sequence goes on; anything else passes through unchanged.
 */
const CTRL_P = 0x10;
const CTRL_Q = 0x11;

export class DetachKeys {
  private held = false;

  /** The bytes to forward, and whether the sequence is complete (bytes typed after it are dropped). */
  feed(chunk: Uint8Array): { forward: Uint8Array<ArrayBuffer>; detach: boolean } {
    const forward: number[] = [];
    for (const byte of chunk) {
      if (this.held) {
        this.held = false;
        if (byte === CTRL_Q) return { forward: Uint8Array.from(forward), detach: true };
        forward.push(CTRL_P);
      }
      if (byte === CTRL_P) this.held = true;
      else forward.push(byte);
    }
    return { forward: Uint8Array.from(forward), detach: false };
  }
}
