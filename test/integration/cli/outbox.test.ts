/** Issue 15.3: local e-mails as files — which objects become files, and `partner-ops outbox`. */
import { mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { outboxFileFor, writeOutboxFile } from "../../../local/engine/outbox.ts";
import { capturedIO } from "../../e2e/helpers/fixture.ts";
import { main } from "../../../local/cli.ts";

const sources = [{ bucket: "cfg", prefix: "outbox/" }];

describe("outbox files", () => {
  it("maps outbox objects of the configured bucket and prefix to <run-date>/<id>.eml, nothing else", () => {
    expect(outboxFileFor(sources, "cfg", "outbox/2026-12-06/abc.eml")).toBe("2026-12-06/abc.eml");
    expect(outboxFileFor(sources, "other", "outbox/2026-12-06/abc.eml")).toBeUndefined();
    expect(outboxFileFor(sources, "cfg", "renewal/contacts.json")).toBeUndefined();
    expect(outboxFileFor(sources, "cfg", "outbox/../../etc/x.eml")).toBeUndefined();
    expect(outboxFileFor(sources, "cfg", "outbox/.hidden/x.eml")).toBeUndefined();
  });

  it("property: a mapped path never leaves the outbox directory", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom("..", ".", "a", "2026-12-06", "", "x.eml", "%2e%2e", "\\", "b c"), { maxLength: 6 }), (segments) => {
        const rel = outboxFileFor(sources, "cfg", `outbox/${segments.join("/")}`);
        if (rel !== undefined) {
          expect(rel.split("/").every((p) => p !== ".." && p !== "." && p !== "" && !p.includes("\\"))).toBe(true);
          expect(rel.endsWith(".eml")).toBe(true);
        }
      }),
      { seed: 153, numRuns: 400 },
    );
  });

  const dataDir = mkdtempSync(join(tmpdir(), "po-outbox-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("writes files 0600 in 0700 folders; `outbox` lists them newest first and prints one", async () => {
    const eml = (to: string, subject: string) => `From: renewals@example.com\r\nTo: ${to}\r\nSubject: ${subject}\r\nDate: Sun, 06 Dec 2026 01:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello ${to}\r\n`;
    const older = await writeOutboxFile(join(dataDir, "outbox"), "2026-12-05/a.eml", Buffer.from(eml("old@example.com", "first")));
    await writeOutboxFile(join(dataDir, "outbox"), "2026-12-06/b.eml", Buffer.from(eml("new@example.com", "second")));
    utimesSync(older, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    expect(statSync(older).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, "outbox", "2026-12-05")).mode & 0o777).toBe(0o700);
    mkdirSync(join(dataDir, "outbox", "junk"), { recursive: true });
    writeFileSync(join(dataDir, "outbox", "junk", "notes.txt"), "not an e-mail");

    const list = await capturedIO();
    expect(await main(["outbox", "--data-dir", dataDir, "--json"], list.io)).toBe(0);
    const doc = JSON.parse(list.stdout()) as { total: number; emails: { n: number; file: string; to: string; subject: string }[] };
    expect(doc.total).toBe(2);
    expect(doc.emails.map((e) => [e.n, e.file, e.to, e.subject])).toEqual([
      [1, "2026-12-06/b.eml", "new@example.com", "second"],
      [2, "2026-12-05/a.eml", "old@example.com", "first"],
    ]);

    const show = await capturedIO();
    expect(await main(["outbox", "2", "--data-dir", dataDir], show.io)).toBe(0);
    expect(show.stdout()).toContain("Subject: first");
    expect(show.stdout()).toContain("Hello old@example.com");

    const missing = await capturedIO();
    expect(await main(["outbox", "9", "--data-dir", dataDir], missing.io)).toBe(2);
    expect(missing.stderr()).toContain('no e-mail "9"');
  });
});
