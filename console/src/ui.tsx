import type { ComponentChildren } from "preact";
import { useRef, useState } from "preact/hooks";
import type { JsonObject } from "@bufbuild/protobuf";
import { condition } from "./objects.js";

/** Ready / Not ready / Unknown, in words (never colour alone), with the reason as its title. */
export function Readiness({ object, type = "Ready" }: { object: JsonObject | undefined; type?: string }) {
  const c = condition(object, type);
  const state = !c ? "unknown" : c.status === "True" ? "ok" : c.status === "False" ? "bad" : "unknown";
  const label = !c ? "Unknown" : c.status === "True" ? "Ready" : `Not ready${c.reason ? `: ${c.reason}` : ""}`;
  return (
    <span class={`badge badge-${state}`} title={c?.message ?? ""}>
      {label}
    </span>
  );
}

/** Real or simulated: the Simulated condition the control plane sets on what a simulating plane made. */
export function Simulated({ object }: { object: JsonObject | undefined }) {
  const c = condition(object, "Simulated");
  if (c?.status !== "True") return <span class="badge badge-real">Real</span>;
  return (
    <span class="badge badge-sim" title={c.message ?? ""}>
      Simulated
    </span>
  );
}

export function Phase({ phase }: { phase: string }) {
  const state = phase === "Succeeded" ? "ok" : phase === "Failed" || phase === "Rejected" || phase === "Expired" ? "bad" : "unknown";
  return <span class={`badge badge-${state}`}>{phase || "Pending"}</span>;
}

export function Section({ title, children, actions }: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  const id = `section-${title.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
  return (
    <section aria-labelledby={id} class="panel">
      <header class="panel-head">
        <h2 id={id}>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

export function ErrorNote({ error }: { error: string | undefined }) {
  return error ? (
    <p class="error" role="alert">
      {error}
    </p>
  ) : null;
}

/**
 * A button that asks before it acts, in a modal dialog (focus moves into it, Escape cancels), with an
 * optional comment; the action's error stays in the dialog.
 */
export function ConfirmButton(props: {
  label: string;
  question: string;
  confirmLabel?: string;
  withComment?: string;
  danger?: boolean;
  onConfirm: (comment: string) => Promise<unknown>;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [comment, setComment] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const confirm = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await props.onConfirm(comment);
      dialog.current?.close();
      setComment("");
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" class={props.danger ? "danger" : ""} onClick={() => dialog.current?.showModal()}>
        {props.label}
      </button>
      <dialog ref={dialog} aria-label={props.label}>
        <form method="dialog" onSubmit={confirm}>
          <p>{props.question}</p>
          {props.withComment && (
            <label>
              {props.withComment}
              <input value={comment} onInput={(e) => setComment((e.target as HTMLInputElement).value)} />
            </label>
          )}
          <ErrorNote error={error} />
          <div class="actions">
            <button type="button" onClick={() => dialog.current?.close()}>
              Cancel
            </button>
            <button type="submit" class={props.danger ? "danger" : "primary"} disabled={busy}>
              {props.confirmLabel ?? props.label}
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}

/** A table with column headers, scrolling sideways on a narrow screen rather than squeezing. */
export function Table({ columns, label, children }: { columns: readonly string[]; label?: string; children: ComponentChildren }) {
  return (
    <div class="scroll">
      <table aria-label={label}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col" key={c}>
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
