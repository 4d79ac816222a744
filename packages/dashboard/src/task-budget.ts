/** How long (ms) the page works through a backlog in one task before it lets the browser draw and take input. */
const BUDGET_MS = 8;

/**
 * Bounds the work one task does on a backlog that arrived at once. A single network read of the
 * event stream can hold hundreds of events (the start of 1,000 activities, or a stream that fell
 * behind while the page was drawing), and the stream's reader hands them all over in one task: in
 * bench/dashboard that was a task of 25-35 ms of CPU on a loaded machine, and over 50 ms of wall
 * time once preempted (issue 10). Past the budget, {@link pause} resumes the rest in a later task.
 */
export class TaskBudget {
  private start: number | null = null;

  /** Whether this task has used up its budget (the clock starts at the first call in a task). */
  spent(): boolean {
    const now = performance.now();
    if (this.start === null) {
      this.start = now;
      setTimeout(() => (this.start = null), 0); // runs after this task: the next one starts afresh
    }
    return now - this.start > BUDGET_MS;
  }

  /** Resolves in a later task, with a fresh budget. */
  async pause(): Promise<void> {
    await yieldToPage();
    this.start = null;
  }
}

/** A later task: `scheduler.yield()` where the browser has it (the rest keeps its turn ahead of other work), else a timer. */
function yieldToPage(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
  return scheduler?.yield ? scheduler.yield() : new Promise((resolve) => setTimeout(resolve, 0));
}
