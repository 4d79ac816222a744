/**
 * Coalesces any number of changes into one call per animation frame: events may arrive thousands
 * of times a second, the page draws at most once a frame. A hidden tab gets no frames, and so does
 * no drawing work until it is shown again.
 */
export class FrameGate {
  private pending = false;

  constructor(private readonly flush: () => void) {}

  /** Asks for a flush before the next frame (once, however often it is called). */
  request(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.flush();
    });
  }
}
