package org.stirshield.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.stirshield.policy.Action;
import org.stirshield.policy.Decision;
import org.stirshield.policy.ProtectedMatch;
import org.stirshield.verify.CallAttempt;
import org.stirshield.verify.Reason;
import org.stirshield.verify.SipRequest;
import org.stirshield.verify.Verdict;

/**
 * The audit record's bytes, pinned: {@code audit/records-golden.jsonl} holds the lines the Jackson-based
 * formatter of release 1 wrote for these decisions (hostile strings, cuts inside surrogate pairs, every block,
 * timestamps before 1970 and after 9999, extreme numbers); the formatter must write exactly the same bytes, so
 * that the report and every tool reading the audit log read old and new files alike.
 *
 * <p>{@code -Dstirshield.audit.golden.write=PATH} writes the file from the current formatter instead (only for
 * a deliberate change of the format, which docs/audit.md must then describe).
 */
class AuditRecordGoldenTest {
    private static final String GOLDEN = "/audit/records-golden.jsonl";

    /** The nasty characters: every escape, a control character Jackson writes as \\u00XX, non-ASCII of each width. */
    private static final String NASTY = "q\"b\\s/ \b\t\n\f\r\u0000\u0001\u001f\u007f \u00e9\u07ff\u0800\u20ac\uffff "
            + "\uD83D\uDCDE lone-high\uD800 lone-low\uDC00 end";

    record Case(Decision decision, StageTimings timings, Instant at, AuditEvidence evidence) {
    }

    static List<Case> cases() {
        Instant at = Instant.parse("2026-11-23T16:20:05.123456Z");
        List<Case> out = new ArrayList<>();
        out.add(new Case(Fixtures.pass("1700000000.42", at.getEpochSecond() - 3), new StageTimings(850, 12, 910), at,
                null));
        out.add(new Case(Fixtures.spoof("c1", "+861012308", "t9", "99X", "https://evil.example/c.pem",
                at.getEpochSecond() + 2, 1), StageTimings.NONE, at, AuditEvidence.DEFAULT));
        out.add(new Case(Fixtures.unprotected("u1"), null, at, null));
        out.add(new Case(new Decision(CallAttempt.of(null, null, null), new Verdict(Verdict.Status.NO_IDENTITY, null, null,
                null, null, null, null, null, null, null, null, null, null), null, "NO_IDENTITY", Action.TAG,
                "missing_identity", 428, null, 0), null, null, null));
        out.add(new Case(new Decision(null, null, null, null, null, null, null, null, 0), null, at, null));
        // hostile strings everywhere, some cut (MAX_STRING), one cut right inside a surrogate pair
        String longPair = "9".repeat(AuditRecord.MAX_STRING - 2) + "\uD83D\uDCDE" + "tail";
        String longNasty = NASTY.repeat(60);
        SipRequest sip = new SipRequest(longPair, NASTY, longNasty, List.of(NASTY, longPair, "<tel:+1>"),
                List.of(NASTY), List.of(longNasty, NASTY));
        CallAttempt call = new CallAttempt(NASTY, longPair, List.of(NASTY, longNasty, "x".repeat(5000)), NASTY, NASTY,
                NASTY, longNasty, NASTY, sip);
        List<Verdict.HeaderResult> headers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            headers.add(new Verdict.HeaderResult(i, i % 2 == 0 ? NASTY : null, i % 3 == 0 ? null : Reason.BAD_SIGNATURE,
                    i % 2 == 0 ? "A" + NASTY : null, i % 4 == 0 ? longNasty : null, i % 5 == 0 ? longNasty : null));
        }
        List<Verdict.DivHop> hops = new ArrayList<>();
        for (int i = 0; i < 18; i++) {
            hops.add(new Verdict.DivHop(i, i % 2 == 0 ? NASTY : null, List.of(NASTY, "b", "c", "d", "e", "f"),
                    "https://fwd.example/" + i, i % 3 == 0 ? longNasty : null, null, 1L,
                    i % 2 == 0 ? null : Reason.BAD_SIGNATURE));
        }
        List<String> diverting = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            diverting.add(NASTY + i);
        }
        Verdict.Diversion div = new Verdict.Diversion(NASTY, hops, true, diverting, NASTY, Reason.DEST_MISMATCH,
                longNasty);
        List<Verdict.RcdIntegrity> rcdi = new ArrayList<>();
        for (int i = 0; i < 18; i++) {
            rcdi.add(new Verdict.RcdIntegrity(i % 2 == 0 ? longNasty : "/icn", i % 3 == 0 ? null : longNasty, NASTY));
        }
        Verdict.RichCallData rcd = new Verdict.RichCallData(true, longNasty, NASTY, 3, longNasty,
                List.of(NASTY, longNasty), rcdi);
        Verdict v = new Verdict(Verdict.Status.FAIL, NASTY, Reason.BAD_SIGNATURE, longNasty, NASTY, NASTY, NASTY,
                Long.MIN_VALUE, NASTY, false, longNasty, NASTY, headers, div, rcd);
        Decision hostile = new Decision(call, v, new ProtectedMatch(NASTY, longNasty, NASTY), NASTY, Action.REJECT, NASTY,
                -438, longNasty, Integer.MAX_VALUE);
        out.add(new Case(hostile, new StageTimings(Long.MAX_VALUE, 0, 1), at, AuditEvidence.DEFAULT));
        Decision plain = new Decision(call, Fixtures.unprotected("p").verdict(), null, "NOT_PROTECTED", Action.ALLOW,
                "missing_identity", 428, null, 0);
        out.add(new Case(plain, StageTimings.NONE, at, new AuditEvidence(false, 4096)));
        out.add(new Case(plain, StageTimings.NONE, at, new AuditEvidence(true, 300)));
        out.add(new Case(plain, StageTimings.NONE, at, new AuditEvidence(true, 256)));
        // an identity budget that runs out inside a multi-byte character
        CallAttempt wide = call.withIdentityHeaders(List.of("外交部领事保护热线".repeat(10), "\uD83D\uDCDE".repeat(40), "tiny"));
        out.add(new Case(new Decision(wide, Fixtures.unprotected("w").verdict(), null, "FAIL", Action.TAG, "x", null, null, 0), StageTimings.NONE, at,
                new AuditEvidence(true, 301)));
        // timestamps: the epoch, before it, leap day, the last millisecond of a year, years 1 and 9999, beyond 9999
        for (String t : List.of("1970-01-01T00:00:00Z", "1969-12-31T23:59:59.999999999Z", "2024-02-29T12:00:00.5Z",
                "2026-12-31T23:59:59.999Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z",
                "+12026-06-01T01:02:03.004Z", "-0001-03-01T00:00:00Z")) {
            Instant ts = Instant.parse(t);
            out.add(new Case(Fixtures.pass("ts", ts.getEpochSecond()), StageTimings.NONE, ts, null));
        }
        return out;
    }

    private static List<String> formatAll() {
        List<String> lines = new ArrayList<>();
        for (Case c : cases()) {
            lines.add(c.evidence() == null ? AuditRecord.format(c.decision(), c.timings(), c.at())
                    : AuditRecord.format(c.decision(), c.timings(), c.at(), c.evidence()));
        }
        return lines;
    }

    @Test
    void recordsAreByteForByteTheGoldenOnes() throws IOException {
        String write = System.getProperty("stirshield.audit.golden.write");
        if (write != null) {
            Files.write(Path.of(write), (String.join("\n", formatAll()) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        byte[] golden;
        try (InputStream in = AuditRecordGoldenTest.class.getResourceAsStream(GOLDEN)) {
            golden = in.readAllBytes();
        }
        List<String> expected = List.of(new String(golden, StandardCharsets.UTF_8).split("\n", -1));
        List<String> actual = formatAll();
        assertEquals(expected.size() - 1, actual.size(), "one golden line per case");
        for (int i = 0; i < actual.size(); i++) {
            // as the file holds it: a lone surrogate is a '?' there
            String line = new String(actual.get(i).getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
            if (!expected.get(i).equals(line)) { // not assertEquals: the lines are long
                int at = 0;
                while (at < line.length() && at < expected.get(i).length() && line.charAt(at) == expected.get(i).charAt(at)) {
                    at++;
                }
                fail("case " + i + " differs at char " + at + ": expected …"
                        + expected.get(i).substring(at, Math.min(expected.get(i).length(), at + 60)) + "… but was …"
                        + line.substring(at, Math.min(line.length(), at + 60)) + "…");
            }
        }
        // and the exact bytes, as the writer thread produces them for the file
        JsonLines batch = new JsonLines(256);
        for (Case c : cases()) {
            AuditRecord.write(batch, c.decision(), c.timings(), c.at(),
                    c.evidence() == null ? AuditEvidence.DEFAULT : c.evidence());
        }
        assertEquals(cases().size(), batch.lineCount());
        assertEquals(golden.length, batch.end(batch.lineCount() - 1));
        assertTrue(java.util.Arrays.equals(golden, 0, golden.length, batch.bytes(), 0, golden.length),
                "the batch holds the golden bytes");
    }
}
