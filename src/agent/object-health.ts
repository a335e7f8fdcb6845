import type { JsonObject } from "../model/json.js";
import type { HealthState, ObjectHealth } from "./driver.js";

/** An ObjectHealth whose compact status carries the reason too, as the control plane stores it. */
export function objectHealth(state: HealthState, reason: string, message: string, status: JsonObject, observedTime: number): ObjectHealth {
  return { health: state, reason, message, status: { reason, ...status }, observedTime };
}
