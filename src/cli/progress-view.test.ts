import { describe, expect, it } from "vitest";
import { createProgressView, type ProgressTask } from "./progress-view.js";

const stream = (isTTY: boolean, columns?: number) => {
  const chunks: string[] = [];
  return { isTTY, ...(columns ? { columns } : {}), write: (t: string) => chunks.push(t), text: () => chunks.join("") };
};
const waiting: ProgressTask[] = [
  { label: "component.openchoreo.dev/a", state: "waiting", detail: "Pending" },
  { label: "workload.openchoreo.dev/a", state: "done", detail: "Ready" },
];
const done: ProgressTask[] = waiting.map((t) => ({ ...t, state: "done", detail: "Ready" }));

describe("createProgressView", () => {
  it("prints one plain line per change when not on a terminal", () => {
    const out = stream(false);
    const view = createProgressView(out);
    view.update("t", waiting);
    view.update("t", waiting);
    view.finish("t", done);
    expect(out.text()).toBe(
      ["component.openchoreo.dev/a: Pending", "workload.openchoreo.dev/a: Ready", "component.openchoreo.dev/a: Ready", ""].join("\n"),
    );
  });

  it("redraws a task list in place on a terminal, and restores the cursor when done", () => {
    const out = stream(true, 40);
    const view = createProgressView(out);
    view.update("Waiting", waiting);
    view.finish("2 of 2 Ready", done);
    view.finish("again", done);
    const text = out.text();
    expect(text.startsWith("\x1b[?25l")).toBe(true);
    expect(text.endsWith("\x1b[?25h")).toBe(true);
    // The second frame moves up over the first's three lines (title and two tasks) and redraws them.
    expect(text).toContain("\x1b[3A");
    expect(text).toContain("⠋ component.openchoreo.dev/a  Pending");
    expect(text).toContain("\x1b[32m✔\x1b[39m component.openchoreo.dev/a  Ready");
    expect(text).not.toContain("again");
    // Lines are cut to the terminal's width, so redrawing never wraps.
    for (const line of text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").split(/[\r\n]+/)) expect(line.length).toBeLessThan(40);
  });
});
