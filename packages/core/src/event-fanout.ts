import type { HubEvent } from '@activityd/protocol/types';

/**
 * Calls every listener with every event, in order. A listener that throws is reported to
 * `onError` and never stops the others, nor the write that produced the event.
 */
export class EventFanout {
  private readonly listeners = new Set<(event: HubEvent) => void>();

  constructor(private readonly onError: (error: unknown) => void = () => {}) {}

  add(listener: (event: HubEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: HubEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.onError(error);
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }
}
