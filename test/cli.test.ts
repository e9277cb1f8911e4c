/**
 * The berth CLI run as a subprocess against a real berthd: exit statuses (the command's, 1 for errors, 2 for
 * usage) and berth's own usage messages, text and --json output, start/list/exec/logs/kill/events/operations/top,
 * --from-file with progress, completion for bash, zsh and fish, and terminals driven through a real pty (raw
 * input, window size, exit status, Ctrl-P Ctrl-Q).
 */
import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Container, Event, Process, State, Stats, TopProcess, Version } from "@berth/protocol";
import { bundle, uid } from "./helpers/bundles.ts";
import { type Daemon, REPO, useDaemon } from "./helpers/daemon.ts";
import { Terminal } from "./helpers/terminal.ts";

let d: Daemon;
useDaemon((daemon) => (d = daemon));

const MAIN = join(REPO, "packages/cli/src/main.ts");
const cli = (args: string[]) => [process.execPath, MAIN, "--address", `unix://${d.socket}`, ...args];

async function berth(args: string[], cwd = REPO): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = Bun.spawn(cli(args), { cwd, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

async function ok(args: string[], cwd?: string): Promise<string> {
  const r = await berth(args, cwd);
  if (r.code !== 0) throw new Error(`berth ${args.join(" ")}: exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

const running = async (args = ["sleep", "1000"]) => {
  const id = uid("cli");
  await ok(["start", id, bundle(args)]);
  return id;
};

test("usage errors exit 2 with a hint; --help exits 0", async () => {
  for (const args of [[], ["frobnicate"], ["containers"], ["containers", "start", "only-an-id"], ["kill", "x", "--bogus"], ["exec", "--", "ls"]]) {
    const r = await berth(args);
    expect([args, r.code, r.stderr.startsWith("berth: ")]).toEqual([args, 2, true]);
  }
  expect((await berth(["containers", "start", "x"])).stderr).toContain("Run 'berth containers start --help' for usage.");
  const help = await berth(["containers", "start", "--help"]);
  expect([help.code, help.stdout]).toEqual([0, expect.stringContaining("Usage: berth containers start [options] ID BUNDLE")]);
  expect(help.stdout).toContain("--json");
  expect(await ok(["--help"])).toContain("checkpoint");
});

test("unknown options and commands get berth's own message with a did-you-mean hint", async () => {
  expect(await berth(["kill", "x", "--sigal", "9"])).toEqual({
    code: 2, stdout: "", stderr: "berth: unknown option --sigal; did you mean --signal?\nRun 'berth kill --help' for usage.\n",
  });
  expect((await berth(["logs", "x", "-x"])).stderr).toBe("berth: unknown option -x\nRun 'berth logs --help' for usage.\n");
  expect((await berth(["lst"])).stderr).toStartWith("berth: unknown command \"lst\"; did you mean 'list'?\n");
  expect((await berth(["checkpoint", "lsit", "x"])).stderr).toStartWith("berth: unknown command \"checkpoint lsit\"; did you mean 'checkpoint list'?\n");
  expect((await berth(["logs", "x", "--tail"])).stderr).toStartWith("berth: option --tail needs a value (N)\n");
  expect((await berth(["pause", "x", "--json=yes"])).stderr).toStartWith("berth: option --json takes no value\n");
});

test("API errors print the API's message on stderr and exit 1", async () => {
  expect(await berth(["kill", "no-such-container"])).toEqual({ code: 1, stdout: "", stderr: "berth: container no-such-container not found\n" });
  const r = await berth(["--address", "unix:///nonexistent/berth.sock", "list"]);
  expect([r.code, r.stderr]).toEqual([1, expect.stringContaining("cannot reach berthd at unix:///nonexistent/berth.sock")]);
  const tcp = Bun.spawn([process.execPath, MAIN, "--address", d.tcpUrl, "--token-file", "/nonexistent", "list"], {
    stdout: "pipe", stderr: "pipe", env: { ...process.env, BERTH_TOKEN: "" },
  });
  expect([await tcp.exited, await new Response(tcp.stderr).text()]).toEqual([1, expect.stringContaining("no API token for")]);
});

test("start takes a relative bundle and labels; list, state and version print text or --json", async () => {
  const id = uid("cli");
  const dir = bundle(["sleep", "1000"]);
  expect(await ok(["start", id, basename(dir), "--label", "team=a", "--rm"], dirname(dir))).toBe(`${id}\n`);
  const rows = (await ok(["containers", "list"])).split("\n");
  expect(rows[0]).toMatch(/^ID\s+STATUS\s+RESTARTS\s+PIDS\s+LABELS\s+BUNDLE$/);
  expect(rows).toContainEqual(expect.stringMatching(new RegExp(`^${id}\\s+running\\s+-\\s+[\\d,]+\\s+team=a\\s+${dir}$`)));
  for (const [filters, listed] of [[["label=team"], true], [["label=team=a", "status=running"], true], [["label=team=b"], false],
    [["status=paused"], false], [["status=paused", "status=running", `id=${id.slice(0, 5)}`], true]] as const) {
    expect([filters, (await ok(["ls", "-q", ...filters.flatMap((f) => ["--filter", f])])).split("\n").includes(id)]).toEqual([filters, listed]);
  }
  expect((await berth(["ls", "--filter", "colour=red"])).stderr).toStartWith("berth: --filter takes label=K[=V], status=S or id=PREFIX");
  const listed = (JSON.parse(await ok(["ls", "--json"])) as Container[]).find((c) => c.id === id)!;
  expect([listed.bundlePath, listed.labels, listed.status]).toEqual([dir, ["team=a"], "running"]);
  const state = JSON.parse(await ok(["state", "--json"])) as State;
  expect(state.machine.cpus).toBeGreaterThan(0);
  expect(state.containers.map((c) => c.id)).toContain(id);
  expect((JSON.parse(await ok(["version", "--json"])) as Version).runtime).toBe("runc");
  expect(await ok(["version"])).toMatch(/^berthd \d+\.\d+\.\d+ \(revision \S+\), runtime runc\n$/);
});

test("exec, wait, logs and kill; events streams them as a table, and --json as lines", async () => {
  const id = await running();
  const events = Bun.spawn(cli(["events", "--id", id]), { stdout: "pipe", stderr: "pipe" });
  const reader = events.stdout.getReader();
  let table = "";
  const read = async (pattern: RegExp) => {
    while (!pattern.test(table)) table += new TextDecoder().decode((await reader.read()).value);
  };
  await read(/^TIME\s+TYPE\s+ID\s+PID\s+STATUS\n/);

  expect(await berth(["exec", "--id", id, "--attach", "--", "sh", "-c", "echo out; echo err >&2; exit 3"]))
    .toEqual({ code: 3, stdout: "out\nerr\n", stderr: "" });
  // The container is the first word, and every word after it is the command line, its options included.
  expect(await berth(["exec", "-i", id, "sh", "-c", "echo positional; exit 4"])).toEqual({ code: 4, stdout: "positional\n", stderr: "" });
  expect(await berth(["exec", "--id", id, "-a", "--pid", "ls", "ls", "-d", "/"])).toEqual({ code: 0, stdout: "/\n", stderr: "" });
  expect(await ok(["exec", "--pid", "e1", "--env", "WHO=cli", id, "sh", "-c", "echo one; echo $WHO"])).toBe("e1\n");
  expect(await ok(["wait", id, "--pid", "e1"])).toBe("0\n");
  expect(await ok(["logs", id, "--pid", "e1"])).toBe("one\ncli\n");
  expect(await ok(["logs", id, "--pid", "e1", "--tail", "1"])).toBe("cli\n");
  expect(await ok(["processes", id])).toMatch(/^e1\s+\d+\s+exited\s+0\s+no\s+sh -c echo one; echo \$WHO$/m);
  expect(await ok(["containers", "kill", id, "--signal", "KILL"])).toBe("");

  await read(new RegExp(`exit\\s+${id}\\s+init\\s+137\\n`));
  events.kill();
  const exits = (await ok(["events", "--after", "0", "--id", id, "--stored-only", "--type", "exit"])).trim().split("\n").slice(1);
  expect(exits.map((l) => l.split(/\s+/).slice(1, 5))).toEqual([
    ["exit", id, expect.stringMatching(/^exec-/), "3"], ["exit", id, expect.stringMatching(/^exec-/), "4"], ["exit", id, "ls", "0"],
    ["exit", id, "e1", "0"], ["exit", id, "init", "137"],
  ]);
  expect((await berth(["events", "--type", "exited"])).stderr).toStartWith("berth: --type takes one of start-container, start-process, exit,");
  expect(table).toMatch(new RegExp(`^\\S+Z\\s+start-process\\s+${id}\\s+e1\\s+-$`, "m"));
  expect(table).toMatch(new RegExp(`^\\S+Z\\s+exit\\s+${id}\\s+e1\\s+0$`, "m"));
  const stored = (await ok(["events", "--after", "0", "--id", id, "--stored-only", "--json"])).trim().split("\n").map((l) => JSON.parse(l) as Event);
  expect(stored.map((e) => e.type)).toEqual(["start-container", ...Array(4).fill(["start-process", "exit"]).flat(), "exit"]);
});

test("logs --timestamps stamps each line with when it was written; --since keeps the later ones", async () => {
  const id = await running();
  const before = Date.now();
  expect(await ok(["exec", "--pid", "tl", id, "sh", "-c", "echo first; sleep 0.6; echo second"])).toBe("tl\n");
  expect(await ok(["wait", id, "--pid", "tl"])).toBe("0\n");
  const lines = (await ok(["logs", id, "--pid", "tl", "--timestamps"])).trim().split("\n").map((l) => l.split(" "));
  expect(lines.map(([, text]) => text)).toEqual(["first", "second"]);
  const [first, second] = lines.map(([time]) => Date.parse(time!));
  expect(lines[0]![0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  expect(first!).toBeGreaterThanOrEqual(before - 1);
  expect(second! - first!).toBeGreaterThanOrEqual(500);
  const between = new Date(first! + 300).toISOString();
  expect(await ok(["logs", id, "--pid", "tl", "--since", between])).toBe("second\n");
  expect(await ok(["logs", id, "--pid", "tl", "--since", "1h"])).toBe("first\nsecond\n");
  expect((await berth(["logs", id, "--since", "later"])).stderr).toBe('berth: since "later" is not an RFC 3339 time\n');
  expect(await ok(["rm", "-f", id])).toBe(`${id}\n`);
});

test("pause, resume, update, stats, top and checkpoints; delete refuses a running container without --force", async () => {
  const id = await running();
  expect((JSON.parse(await ok(["pause", id, "--json"])) as Container).status).toBe("paused");
  expect(await ok(["ls"])).toMatch(new RegExp(`^${id}\\s+paused`, "m"));
  expect(await ok(["pause", id])).toBe(`${id}\n`);
  expect(await ok(["containers", "resume", id])).toBe(`${id}\n`);
  expect(await ok(["update", id, "--pids-limit", "64", "--memory-limit", "64m"])).toBe("");
  const stats = JSON.parse(await ok(["stats", id, "--json"])) as Stats;
  expect([stats.pids.limit, stats.memory.usage.limit]).toEqual([64, 64 * 1024 ** 2]);
  expect(await ok(["stats", id])).toMatch(new RegExp(`^${id}\\s+-\\s+[\\d.]+s\\s+\\S+ / 64\\.0MiB\\s+\\d+ / 64\\s`, "m"));
  // Without an id, stats shows every running container.
  const other = await running();
  const all = await ok(["stats"]);
  for (const c of [id, other]) expect(all).toMatch(new RegExp(`^${c}\\s`, "m"));
  expect(Object.keys(JSON.parse(await ok(["stats", "--json"])) as Record<string, Stats>)).toEqual(expect.arrayContaining([id, other]));
  // top: every pid of the container, from /proc, with its user and command.
  const init = (JSON.parse(await ok(["inspect", id, "--json"])) as Container).processes[0]!;
  const top = (await ok(["top", id])).trim().split("\n");
  expect(top[0]).toMatch(/^USER\s+PID\s+PPID\s+%CPU\s+STARTED\s+TIME\s+COMMAND$/);
  expect(top[1]).toMatch(new RegExp(`^root\\s+${init.systemPid}\\s+\\d+\\s+\\d+\\.\\d\\s+\\d\\d:\\d\\d:\\d\\d\\s+00:00:0\\d\\s+sleep 1000$`));
  const rows = JSON.parse(await ok(["top", id, "--json"])) as TopProcess[];
  expect(rows).toEqual([expect.objectContaining({ pid: init.systemPid, uid: 0, user: "root", command: ["sleep", "1000"] })]);
  expect(Date.parse(rows[0]!.startedAt)).toBeLessThanOrEqual(Date.now());
  expect(await berth(["top", "no-such-container"])).toMatchObject({ code: 1, stderr: "berth: container no-such-container not found\n" });
  expect(JSON.parse(await ok(["checkpoint", "list", id, "--json"]))).toEqual([]);
  const refused = await berth(["delete", id]);
  expect([refused.code, refused.stderr]).toEqual([1, expect.stringContaining("cannot delete running container")]);
  expect(await ok(["rm", "--force", id, other])).toBe(`${id}
${other}
`);
  expect(await ok(["list", "-q"])).not.toContain(id);
});

test("start --from-file starts every entry, reports the bad one, shows progress on a terminal and exits 1", async () => {
  const [a, b] = [uid("cli"), uid("cli")];
  const dir = bundle(["sleep", "1000"]);
  const file = join(dirname(dir), "containers.jsonl");
  writeFileSync(file, [{ id: a, bundlePath: basename(dir) }, { id: b, bundlePath: dir, labels: ["own=1"] }, { id: "bad", bundlePath: "missing" }]
    .map((e) => JSON.stringify(e)).join("\n"));
  const term = new Terminal(cli(["start", "--from-file", file, "--label", "batch=1"]));
  expect(await term.exited).toBe(1);
  expect(term.output).toContain("2 started, 1 failed");
  expect(term.output).toContain(`${a}\r\n${b}\r\n`);
  expect(term.output).toMatch(/berth: bad: bundle \S+missing does not exist/);
  const listed = JSON.parse(await ok(["ls", "--json"])) as Container[];
  expect(listed.filter((c) => c.id === a || c.id === b).map((c) => c.labels)).toEqual([["batch=1"], ["batch=1", "own=1"]]);
  expect(await ok(["delete", "--force", a, b])).toBe(`${a}\n${b}\n`);
});

test("exec -it ID sh: raw input, the terminal's size and its changes, the exit status", async () => {
  const id = await running();
  const term = new Terminal(cli(["exec", "-it", "--pid", "sh", id, "sh"]));
  await term.until("# ");
  term.type("stty size; echo sum-$((40+2))\r");
  await term.until("sum-42");
  expect(term.output).toContain("30 100\r\n");
  term.proc.kill("SIGUSR1");
  await Bun.sleep(200);
  term.type("stty size\r");
  await term.until("50 120\r\n");
  term.type("exit 5\r");
  expect(await term.exited).toBe(5);
});

test("attach to a terminal, and Ctrl-P Ctrl-Q detaches leaving the process running", async () => {
  const id = await running();
  expect(await ok(["exec", "--id", id, "--pid", "shell", "--tty", "--", "sh"])).toBe("shell\n");
  const term = new Terminal(cli(["attach", id, "--pid", "shell"]));
  await Bun.sleep(300);
  term.type("echo hello-$((1+1))\r");
  await term.until("hello-2");
  term.type("\x10\x11");
  expect(await term.exited).toBe(0);
  expect(term.output).toContain(`detached from process shell of container ${id}; it keeps running`);
  expect((JSON.parse(await ok(["inspect", id, "--pid", "shell"])) as Process).status).toBe("running");
});

const ZSH = Bun.which("zsh");
const FISH = Bun.which("fish");
if (!ZSH || !FISH) console.log(`cli.test.ts: completion checks skipped for ${[!ZSH && "zsh", !FISH && "fish"].filter(Boolean).join(" and ")}: not installed (scripts/test.sh installs them)`);

test("completion bash completes commands, options, container ids and files", async () => {
  const id = await running();
  const script = await ok(["completion", "bash"]);
  const complete = (...words: string[]) => [
    `COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; COMPREPLY=(); _berth; echo "\${COMPREPLY[*]}"`,
  ];
  const probe = Bun.spawn(["bash", "-c", [script, ...complete("berth", "containers", "st"), ...complete("berth", "start", "--l"),
    ...complete("berth", "--address", `unix://${d.socket}`, "kill", ""), ...complete("berth", "start", "x", "scripts/berthd.s"),
    ...complete("berth", "exec", "-it", id, "sh", "-")].join("\n")], { stdout: "pipe", cwd: REPO });
  const [commands, options, ids, files, passed] = (await new Response(probe.stdout).text()).split("\n");
  expect([commands, options, files, passed]).toEqual(["start stats", "--label", "scripts/berthd.service", ""]);
  expect(ids!.split(" ")).toContain(id);
});

test.skipIf(!ZSH)("completion zsh hands _describe the candidates with their help, and _files for paths", async () => {
  const id = await running();
  const script = await ok(["completion", "zsh"]);
  // The adapter alone, with the completion system's functions stubbed to print what they are given.
  const stubs = `compdef() { :; }; _files() { print -r -- FILES; }; _describe() { print -rl -- "\${(@P)4}"; }`;
  const complete = (...words: string[]) => `words=(${words.map((w) => `'${w}'`).join(" ")}); CURRENT=${words.length}; _berth; print -- ---`;
  const probe = Bun.spawn([ZSH!, "-f", "-c", [stubs, script, complete("berth", "containers", "st"), complete("berth", "start", "x", ""),
    complete("berth", "--address", `unix://${d.socket}`, "pause", "")].join("\n")], { stdout: "pipe" });
  const [commands, files, ids] = (await new Response(probe.stdout).text()).split("---\n").map((b) => b.trim().split("\n"));
  expect(commands).toEqual([expect.stringMatching(/^start:Start a container/), expect.stringMatching(/^stats:Show containers/)]);
  expect(files).toEqual(["FILES"]);
  expect(ids).toContain(`${id}:running`);
});

test.skipIf(!FISH)("completion fish completes commands with their help, container ids and files", async () => {
  const id = await running();
  const script = await ok(["completion", "fish"]);
  const probe = Bun.spawn([FISH!, "--no-config", "-c", [script, 'complete -C "berth completion "', "echo ---",
    `complete -C "berth --address unix://${d.socket} top "`, "echo ---", 'complete -C "berth start x scripts/berthd.s"'].join("\n")], { stdout: "pipe", cwd: REPO });
  const [shells, ids, files] = (await new Response(probe.stdout).text()).split("---\n").map((b) => b.trim().split("\n"));
  expect(shells).toEqual(["bash", "fish", "zsh"]);
  expect(ids).toContain(`${id}\trunning`);
  expect(files).toEqual(["scripts/berthd.service"]);
});
