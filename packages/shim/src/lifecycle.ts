/**
 * One process's state machine as the shim drives it: every operation goes through the process's serial queue,
 * then to the current state object (states.ts), which refuses it or runs the kind's work (init.ts, exec.ts);
 * containerd's exported `Kill` taking the lock, then the state's `kill`. The reaper's exit does not queue: it
 * never waits behind a pause or a checkpoint, and work finishing after it sees it. It waits only for a start in
 * flight (the ordering containerd's process mutex protects): a process that exits while its start is being
 * recorded still has its start before its exit.
 */
import type { Logger, ProcessState, Resources, ShimCheckpoint } from "@berth/protocol";
import { SerialQueue } from "@berth/protocol";
import type { Machine, ProcessWork, State, States } from "./states.ts";

export class Lifecycle {
  /** Orders every operation of this process (not its exit). */
  private readonly queue = new SerialQueue();
  private current: State;
  private readonly states: States;
  /** The start in flight, if any: an exit is applied after it. */
  private starting: Promise<unknown> = Promise.resolve();

  /**
   * @param pid "init" or the exec id
   * @param what how refusals name it ("container c1", "process p1 of container c1")
   */
  constructor(readonly pid: string, what: string, makeStates: (m: Machine) => States, work: ProcessWork, private readonly log: Logger) {
    const machine: Machine = {
      work,
      what,
      transition: (from, to) => this.transition(from, to),
      logIgnored: (event) => log.warn(`ignored ${event}`, { pid }),
    };
    this.states = makeStates(machine);
    this.current = this.states.created!;
  }

  get state(): ProcessState {
    return this.current.name;
  }

  start(): Promise<number> {
    const started = this.queue.run(() => this.current.start());
    this.starting = started.catch(() => {});
    return started;
  }
  signal(signal: number): Promise<void> {
    return this.queue.run(() => this.current.signal(signal));
  }
  /** Answers the change recorded, or undefined when the container already had that status. */
  pause(): Promise<number | undefined> {
    return this.queue.run(() => this.current.pause());
  }
  resume(): Promise<number | undefined> {
    return this.queue.run(() => this.current.resume());
  }
  update(resources: Resources): Promise<number> {
    return this.queue.run(() => this.current.update(resources));
  }
  checkpoint(options: ShimCheckpoint): Promise<number> {
    return this.queue.run(() => this.current.checkpoint(options));
  }
  resize(width: number, height: number): Promise<void> {
    return this.queue.run(() => this.current.resize(width, height));
  }
  closeStdin(): Promise<void> {
    return this.queue.run(() => this.current.closeStdin());
  }
  delete(): Promise<void> {
    return this.queue.run(() => this.current.delete());
  }
  /**
   * An exec into this (init) process's container: the state decides on the queue and the launch runs off it, so
   * an exec waiting for its client's FIFOs never holds up a signal or a pause.
   */
  async exec(pid: string): Promise<{ systemPid: number; change: number }> {
    const { launch } = await this.queue.run(() => ({ launch: this.current.exec(pid) }));
    return launch;
  }
  /**
   * Resolves once the operations queued so far are done: the exit's record waits for this, so an operation that
   * ran before the exit (a checkpoint that stops the container) has its change recorded before the exit's.
   */
  idle(): Promise<void> {
    return this.queue.run(() => {});
  }
  /** The reaper's exit: never queued, never throws; resolves once it is applied (after a start in flight). */
  async exited(): Promise<void> {
    await this.starting;
    this.current.exited();
  }

  private transition(from: State, to: ProcessState): boolean {
    if (this.current !== from) return false;
    const next = this.states[to];
    if (!next || !from.next.includes(to)) {
      this.log.error("illegal state transition", { pid: this.pid, from: from.name, to });
      return false;
    }
    this.current = next;
    this.log.debug("state", { pid: this.pid, from: from.name, to });
    return true;
  }
}
