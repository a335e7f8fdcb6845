/**
 * Resolves after the event loop has run its pending I/O callbacks (setImmediate runs after the poll
 * phase): long work that awaits this between steps lets requests and heartbeats through.
 *
 * Every caller shares the loop's turns: waiters resume in the order they asked, one after another,
 * until the work resumed in this turn has run for turnBudgetMs; the rest resume in the next turn,
 * after the loop has served I/O again. A setImmediate each would resume every waiter in the same
 * turn: with a few dozen controller workers and sliced tasks busy at once, one turn ran for the sum
 * of all their steps (hundreds of milliseconds) before a request or a heartbeat was read.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resume) => {
    waiting.push({ resume, askedIn: turn });
    setImmediate(resumeNext);
  });
}

/** How long the work resumed in one turn may run before the rest waits for the next turn. */
const turnBudgetMs = 10;

interface Waiter {
  readonly resume: () => void;
  /** The turn it asked in: it resumes in a later one. */
  readonly askedIn: number;
}

/** In the order they asked; each has one resumeNext queued for it. */
const waiting: Waiter[] = [];
let turn = 0;
let turnOpen = false;
let turnStart = 0;

function resumeNext(): void {
  if (!turnOpen) {
    // The first resumeNext of this check phase: queued now, endTurn runs first in the next one.
    turnOpen = true;
    turn++;
    turnStart = performance.now();
    setImmediate(endTurn);
  }
  const next = waiting[0];
  if (!next) return;
  if (next.askedIn === turn || performance.now() - turnStart >= turnBudgetMs) {
    setImmediate(resumeNext);
    return;
  }
  waiting.shift();
  // Its continuation runs before the next immediate: the budget check there sees the time it took.
  next.resume();
}

function endTurn(): void {
  turnOpen = false;
}
