import type { NodeLiveness } from './store.js';

/** How a {@link NodeWatch} acts on what it finds. */
export interface NodeWatchDeps {
  nodes: NodeLiveness;
  /** This node's id. */
  nodeId: string;
  /** How long a node's mark lasts without renewal. */
  timeoutMs: number;
  /** Is this activity's work running in this process? */
  runsHere: (id: string) => boolean;
  /** Ends an activity as failed/`interrupted` if it is still running (a CAS write: once, whoever tries). */
  interrupt: (id: string) => Promise<void>;
}

/** At most this many activities of one dead node are interrupted per check. */
const CHUNK = 500;

/**
 * The rule for in-process work on a shared store: work whose node is no longer alive can never
 * finish, so any node that notices ends it as `interrupted`. Each node renews its own mark; every
 * node checks the others. Ending goes through the CAS write, so however many nodes notice at
 * once, each activity ends exactly once.
 */
export class NodeWatch {
  constructor(private readonly deps: NodeWatchDeps) {}

  /** Renews this node's mark. */
  beat(): Promise<void> {
    return this.deps.nodes.beat(this.deps.nodeId, this.deps.timeoutMs);
  }

  /**
   * At start: this node's own work left from a previous life under the same id (nothing runs
   * here yet), and the work of every dead node.
   */
  async recover(): Promise<void> {
    await this.interruptOn(this.deps.nodeId);
    await this.check();
  }

  /** Interrupts the work of every node whose mark lapsed. This node never counts itself dead. */
  async check(): Promise<void> {
    for (const node of await this.deps.nodes.deadRunners()) {
      if (node !== this.deps.nodeId) await this.interruptOn(node);
    }
  }

  /** Removes this node's mark on a clean stop; its unfinished work is then interrupted by the others. */
  leave(): Promise<void> {
    return this.deps.nodes.leave(this.deps.nodeId);
  }

  private async interruptOn(node: string): Promise<void> {
    for (;;) {
      const batch = (await this.deps.nodes.runningOn(node, CHUNK)).filter((a) => !this.deps.runsHere(a.id));
      for (const a of batch) await this.deps.interrupt(a.id);
      if (batch.length < CHUNK) return;
    }
  }
}
