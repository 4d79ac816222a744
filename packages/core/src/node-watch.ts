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
  /** The hub's clock. */
  now: () => number;
}

/** At most this many activities of one dead node are interrupted per check. */
const CHUNK = 500;

/**
 * The rule for in-process work on a shared store: work whose node is no longer alive can never
 * finish, so any node that notices ends it as `interrupted`. Each node renews its own mark; every
 * node checks the others. Ending goes through the CAS write, so however many nodes notice at
 * once, each activity ends exactly once.
 *
 * A node judges others only after renewing its own mark without a failure for a whole timeout:
 * after a Redis outage every mark may have lapsed, and a node that checked first would otherwise
 * take live nodes, which had no chance to renew yet, for dead ones.
 */
export class NodeWatch {
  /** Since when this node's beats have all succeeded; `null` after a failed one. */
  private healthySince: number | null = null;

  constructor(private readonly deps: NodeWatchDeps) {}

  /** Renews this node's mark. */
  async beat(): Promise<void> {
    try {
      await this.deps.nodes.beat(this.deps.nodeId, this.deps.timeoutMs);
      this.healthySince ??= this.deps.now();
    } catch (error) {
      this.healthySince = null;
      throw error;
    }
  }

  /**
   * At start: this node's own work left from a previous life under the same id (nothing runs here
   * yet). Other nodes' work waits for `check`, once this node has been up for a timeout.
   */
  recover(): Promise<void> {
    return this.interruptOn(this.deps.nodeId);
  }

  /** Interrupts the work of every node whose mark lapsed. This node never counts itself dead. */
  async check(): Promise<void> {
    if (this.healthySince === null || this.deps.now() - this.healthySince < this.deps.timeoutMs) return;
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
