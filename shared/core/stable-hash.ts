/** A small hash of a name that is the same on every run, to stagger per-broker work over time. */
export function stableHash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) >>> 0;
  return h;
}
