// Identifiers as the inbox stores and compares them.
/**
 * An officer id as its sending gateway asserts it, without that gateway's own country prefix ("LY/officer.x" from LY
 * is "officer.x"): it is stored as "<sender>/<id>" and shown as "<sender>: officer <id>", and the receiving gateway
 * refuses any other country's prefix (inbound-content.ts).
 */
export function assertedOfficerId(sender: string, officerId: string): string {
  return officerId.startsWith(`${sender}/`) ? officerId.slice(sender.length + 1) : officerId;
}

/** A document number as the register and the hit/no-hit check compare it: no filler, no spaces, capitals. */
export function normaliseDocNumber(n: string): string {
  return n.replace(/[<\s]/g, '').toUpperCase();
}
