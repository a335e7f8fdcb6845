import type { OutputStream } from "./cli-io.js";

/** One line of progress: an object being waited for. */
export interface ProgressTask {
  readonly label: string;
  readonly state: "waiting" | "done" | "failed";
  /** e.g. "Ready", "not Ready: AgentNotConnected: agent of plane default is not connected" */
  readonly detail: string;
}

export interface ProgressView {
  update(title: string, tasks: readonly ProgressTask[]): void;
  /** Draws the final state and restores the terminal; safe to call twice. */
  finish(title: string, tasks: readonly ProgressTask[]): void;
}

const spinner = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const frameMs = 80;
const ansi = {
  hideCursor: "\x1b[?25l",
  showCursor: "\x1b[?25h",
  clearLine: "\x1b[2K",
  up: (n: number) => (n > 0 ? `\x1b[${n}A` : ""),
  green: (s: string) => `\x1b[32m${s}\x1b[39m`,
  red: (s: string) => `\x1b[31m${s}\x1b[39m`,
};

/**
 * On a terminal, a task list redrawn in place with a spinner (the cursor hidden meanwhile, lines cut
 * to the terminal's width so redrawing never scrolls); elsewhere (pipes, CI logs) plain lines, one
 * per change, nothing redrawn.
 */
export function createProgressView(stream: OutputStream): ProgressView {
  return stream.isTTY ? terminalView(stream) : plainView(stream);
}

function plainView(stream: OutputStream): ProgressView {
  const shown = new Map<string, string>();
  const print = (tasks: readonly ProgressTask[]) => {
    for (const task of tasks) {
      const line = `${task.label}: ${task.detail}`;
      if (shown.get(task.label) === line) continue;
      shown.set(task.label, line);
      stream.write(line + "\n");
    }
  };
  return { update: (_title, tasks) => print(tasks), finish: (_title, tasks) => print(tasks) };
}

function terminalView(stream: OutputStream): ProgressView {
  let frame = 0;
  let drawnLines = 0;
  let current: { title: string; tasks: readonly ProgressTask[] } = { title: "", tasks: [] };
  let finished = false;
  // One column spare: writing into the last column makes some terminals wrap.
  const width = () => Math.max(20, (stream.columns || 80) - 1);
  const cut = (text: string, max: number) => (text.length > max ? text.slice(0, max - 1) + "…" : text);
  const labelWidth = () => Math.max(0, ...current.tasks.map((t) => t.label.length));

  const draw = () => {
    const symbol = (t: ProgressTask) =>
      t.state === "done" ? ansi.green("✔") : t.state === "failed" ? ansi.red("✖") : spinner[frame % spinner.length]!;
    // Cut before colouring, so escape sequences never count towards the width or get cut in half.
    const lines = [
      cut(current.title, width()),
      ...current.tasks.map((t) => `${symbol(t)} ${cut(`${t.label.padEnd(labelWidth())}  ${t.detail}`, width() - 2)}`),
    ];
    stream.write(ansi.up(drawnLines) + lines.map((l) => `\r${ansi.clearLine}${l}\n`).join(""));
    drawnLines = lines.length;
  };

  stream.write(ansi.hideCursor);
  const timer = setInterval(() => {
    frame++;
    draw();
  }, frameMs);

  return {
    update(title, tasks) {
      if (finished) return;
      current = { title, tasks };
      draw();
    },
    finish(title, tasks) {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      current = { title, tasks };
      draw();
      stream.write(ansi.showCursor);
    },
  };
}
