import type { JsonObject } from "@bufbuild/protobuf";
import { api } from "../api.js";
import { useWatch } from "../live.js";
import { ago, field, nameOf, text } from "../objects.js";
import { href } from "../route.js";
import { ConfirmButton, Empty, ErrorNote, Phase } from "../ui.js";

const waiting = (p: JsonObject) => text(p, "status.phase") === "AwaitingApproval";

/** One promotion: where from and to, its phase, who asked; approve and reject while it waits. */
export function PromotionRow({ org, promotion, showComponent }: { org: string; promotion: JsonObject; showComponent?: boolean }) {
  const name = nameOf(promotion);
  const component = text(promotion, "spec.owner.componentName");
  const from = text(promotion, "spec.sourceEnvironment");
  const to = text(promotion, "spec.targetEnvironment");
  const approvals = field(promotion, "spec.approvals");
  return (
    <li data-testid={`promotion-${name}`}>
      {showComponent && <a href={href.component(org, component)}>{component}</a>} {from ? `${from} → ${to}` : `rollback of ${to}`}{" "}
      <Phase phase={text(promotion, "status.phase")} /> <span class="muted">by {text(promotion, "spec.requestedBy")}, {ago(text(promotion, "metadata.creationTimestamp"))}</span>
      {Array.isArray(approvals) && approvals.length > 0 && (
        <span class="muted">
          {" "}
          · {(approvals as JsonObject[]).map((a) => `${text(a, "decision")} by ${text(a, "principal")}`).join(", ")}
        </span>
      )}
      <span class="muted small"> {text(promotion, "status.conditions.0.message") || conditionMessage(promotion)}</span>
      {waiting(promotion) && (
        <span class="actions">
          <ConfirmButton
            label="Approve"
            question={`Approve moving ${component} from ${from} to ${to}?`}
            withComment="Comment (optional)"
            onConfirm={(comment) => api.promotions.approve({ namespace: org, name, comment })}
          />
          <ConfirmButton
            label="Reject"
            danger
            question={`Reject moving ${component} from ${from} to ${to}?`}
            withComment="Comment (optional)"
            onConfirm={(comment) => api.promotions.reject({ namespace: org, name, comment })}
          />
        </span>
      )}
    </li>
  );
}

function conditionMessage(p: JsonObject): string {
  const c = field(p, "status.conditions");
  return Array.isArray(c) ? text((c as JsonObject[]).find((x) => x.type === "Ready"), "message") : "";
}

/** Promotions of the organization waiting for an approver. */
export function Approvals({ org }: { org: string }) {
  const promotions = useWatch({ kind: "Promotion", namespace: org });
  const pending = promotions.items.filter(waiting).sort((a, b) => text(a, "metadata.creationTimestamp").localeCompare(text(b, "metadata.creationTimestamp")));
  return (
    <>
      <h1>Pending approvals</h1>
      <ErrorNote error={promotions.error} />
      {promotions.synced && pending.length === 0 && <Empty>Nothing waits for an approval.</Empty>}
      <ul class="rows">
        {pending.map((p) => (
          <PromotionRow key={nameOf(p)} org={org} promotion={p} showComponent />
        ))}
      </ul>
    </>
  );
}
