import type { ReadonlySignal } from '@preact/signals';

/**
 * Reads signals only to subscribe to them: the computation or component that calls it runs again
 * when any of them changes, though it takes its data from elsewhere (a plain map updated in place).
 */
export function dependOn(...signals: Array<ReadonlySignal<unknown>>): unknown[] {
  return signals.map((s) => s.value);
}
