import type { ApprovalRequest } from "../../shared/ports";
import { MINUTE, T0 } from "./clock";

/**
 * A pending request to reboot broker `orders` (`b-1`) for incident `inc-1` (stalled consumers on
 * queue `work`), made at `T0` and open for 30 minutes; override any field.
 */
export function anApprovalRequest(overrides: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    id: "inc-1#100",
    incidentId: "inc-1",
    fingerprint: "consumer-lag|orders|work",
    broker: "orders",
    brokerId: "b-1",
    requestedAt: T0,
    expiresAt: T0 + 30 * MINUTE,
    status: "pending",
    ...overrides,
  };
}
