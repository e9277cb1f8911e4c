/**
 * A container's processes ("init" and execs): list them (and every pid of the container with `top`), wait for one,
 * resize its terminal, close its stdin, read its captured output, attach to it. `exec` has its own file.
 */
import { BerthError } from "@berth/protocol";
import { integer, UsageError } from "../args.ts";
import { attach as attachTo } from "../attach.ts";
import { command, JSON_OPTION, ONE_ID, PID_OPTION } from "../command.ts";
import { json, line, write } from "../output.ts";
import { waiting } from "../progress.ts";
import { parseSince } from "../units.ts";
import { processesTable, topTable } from "../views.ts";

const processes = command({
  name: "processes",
  aliases: ["ps"],
  summary: "List the container's processes: its init and its execs",
  ...ONE_ID,
  options: JSON_OPTION,
  async run({ client }, { json: asJson }, [id]) {
    const { processes: list } = await client.container(id!);
    await (asJson ? json(list) : line(processesTable(list)));
  },
});

const top = command({
  name: "top",
  summary: "List every process in the container, as the host sees it: user, pid, parent, CPU, command",
  details: "Read by berthd from /proc for the pids of the container's cgroup (GET /v1/containers/{id}/top); times are UTC.",
  ...ONE_ID,
  options: JSON_OPTION,
  async run({ client }, { json: asJson }, [id]) {
    const rows = await client.top(id!);
    await (asJson ? json(rows) : line(topTable(rows)));
  },
});

const wait = command({
  name: "wait",
  summary: "Wait for a process to exit and print its exit status (128+N when killed by signal N)",
  ...ONE_ID,
  options: { ...PID_OPTION, ...JSON_OPTION },
  async run({ client }, { pid = "init", json: asJson }, [id]) {
    const result = await waiting(`waiting for process ${pid} of container ${id} to exit`, client.wait(id!, pid));
    await (asJson ? json(result) : line(String(result.status)));
  },
});

const resize = command({
  name: "resize",
  summary: "Resize a process's terminal",
  ...ONE_ID,
  options: {
    ...PID_OPTION,
    width: { type: "string", arg: "COLS", help: "columns (required)" },
    height: { type: "string", arg: "ROWS", help: "rows (required)" },
  },
  async run({ client }, { pid = "init", width, height }, [id]) {
    if (width === undefined || height === undefined) throw new UsageError("resize needs --width and --height");
    await client.updateProcess(id!, pid, { width: integer("width", width), height: integer("height", height) });
  },
});

const closeStdin = command({
  name: "close-stdin",
  summary: "Close a process's stdin (the shim's end of its stdin FIFO), so it reads EOF",
  ...ONE_ID,
  options: PID_OPTION,
  async run({ client }, { pid = "init" }, [id]) {
    await client.updateProcess(id!, pid, { closeStdin: true });
  },
});

const logs = command({
  name: "logs",
  summary: "Print a process's captured output (stdout and stderr, as they came)",
  ...ONE_ID,
  options: {
    ...PID_OPTION,
    follow: { type: "boolean", short: "f", help: "keep printing new output until the process's output ends" },
    tail: { type: "string", short: "n", arg: "N", help: "only the last N lines" },
    since: { type: "string", arg: "TIME", help: "only lines written after this RFC 3339 time, or this long ago: 90s, 10m, 2h, 1d" },
    timestamps: { type: "boolean", short: "t", help: "start each line with the time it was written (to 0.1 s)" },
  },
  async run({ client }, { pid = "init", follow, tail, since, timestamps }, [id]) {
    const stream = await client.logs(id!, pid, {
      follow: follow ?? false,
      ...(tail === undefined ? {} : { tail: integer("tail", tail) }),
      ...(since === undefined ? {} : { since: parseSince(since) }),
      ...(timestamps ? { timestamps: true } : {}),
    });
    for await (const chunk of stream) await write(chunk);
  },
});

const attach = command({
  name: "attach",
  summary: "Attach to a running process: its output from now on, your input to it; exit with its exit status",
  details: "For a process with a terminal, your terminal goes raw and its size follows yours; Ctrl-P Ctrl-Q detaches and leaves it running.",
  ...ONE_ID,
  options: PID_OPTION,
  async run({ client }, { pid = "init" }, [id]) {
    const proc = await client.process(id!, pid);
    if (proc.status === "exited") {
      throw new BerthError("failed_precondition", `process ${pid} of container ${id} has exited (status ${proc.exitStatus ?? 255})`);
    }
    return attachTo(client, { id: id!, process: proc, fromStart: false });
  },
});

export const processCommands = [processes, top, wait, resize, closeStdin, logs, attach];
