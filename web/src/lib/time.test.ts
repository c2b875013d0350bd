import { describe, expect, it } from "vitest";
import { formatSize, relativeTime } from "./time";

describe("relative time", () => {
  const now = Date.parse("2026-12-01T12:00:00Z");
  it("says just now, minutes, hours and days", () => {
    expect(relativeTime("2026-12-01T11:59:40Z", now)).toBe("just now");
    expect(relativeTime("2026-12-01T11:55:00Z", now)).toBe("5 minutes ago");
    expect(relativeTime("2026-12-01T09:00:00Z", now)).toBe("3 hours ago");
    expect(relativeTime("2026-11-30T12:00:00Z", now)).toBe("yesterday");
  });
  it("formats sizes", () => {
    expect(formatSize(512)).toBe("512 B");
    expect(formatSize(2048)).toBe("2.0 KB");
    expect(formatSize(3 * 1024 * 1024)).toBe("3.0 MB");
  });
});
