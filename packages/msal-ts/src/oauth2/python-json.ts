/**
 * JSON text as Python's `json.dumps()` writes it with default options: `", "` between members, `": "`
 * after keys, no newlines, non-ASCII escaped as `\uXXXX`. MSAL Python sends claims in this form
 * (docs/msal-python-compatibility.md section 1.8), and servers compare some of these strings byte for byte.
 */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return `[${value.map((v) => pythonJsonDumps(v)).join(", ")}]`;
  switch (typeof value) {
    case "string":
      return asciiOnly(JSON.stringify(value));
    case "number":
      return Number.isFinite(value) ? JSON.stringify(value) : value > 0 ? "Infinity" : value < 0 ? "-Infinity" : "NaN";
    case "boolean":
      return value ? "true" : "false";
    case "object": {
      const members = Object.entries(value as Record<string, unknown>).map(
        ([k, v]) => `${asciiOnly(JSON.stringify(k))}: ${pythonJsonDumps(v)}`,
      );
      return `{${members.join(", ")}}`;
    }
    default:
      return "null";
  }
}

function asciiOnly(json: string): string {
  // eslint-disable-next-line no-control-regex
  return json.replace(/[^\u0000-\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
