package org.stirshield.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.stirshield.policy.Action;
import org.stirshield.policy.Decision;
import org.stirshield.verify.CallAttempt;
import org.stirshield.verify.Verdict;

class AuditRecordTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant AT = Instant.parse("2026-11-23T16:20:05.123456Z");

    @Test
    void passRecordHasEveryFieldInFixedOrder() throws Exception {
        String line = AuditRecord.format(Fixtures.pass("1700000000.42", AT.getEpochSecond() - 3),
                new StageTimings(850, 12, 910), AT);
        assertFalse(line.contains("\n"), "one line");
        JsonNode n = JSON.readTree(line);
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        assertEquals(List.of(AuditRecord.FIELDS), names);
        assertEquals("2026-11-23T16:20:05.123Z", n.get("ts").asText());
        assertEquals("1700000000.42", n.get("unique_id").asText());
        assertEquals("PJSIP/carrier-a-00000001", n.get("channel").asText());
        assertEquals("trunk-carrier-a", n.get("trunk").asText());
        assertEquals("+861012308", n.get("caller_raw").asText());
        assertEquals("0312345678", n.get("called_raw").asText());
        assertEquals("+81312345678", n.get("called").asText());
        assertEquals("Consular hotline", n.get("agency").asText());
        assertEquals("strict", n.get("policy").asText());
        assertEquals("PASS", n.get("status").asText());
        assertEquals("allow", n.get("action").asText());
        assertTrue(n.get("sip_code").isNull());
        assertEquals("TN-Validation-Passed", n.get("verstat").asText());
        assertEquals("A", n.get("attest").asText());
        assertEquals(3, n.get("iat_age_s").asLong(), "iat age = now - iat");
        assertTrue(n.get("tn_authorized").asBoolean());
        assertEquals(Fixtures.DIGEST, n.get("passport").asText());
        assertEquals(850, n.get("verify_us").asLong());
        assertEquals(12, n.get("policy_us").asLong());
        assertEquals(910, n.get("total_us").asLong());
        assertEquals("pass", n.get("headers").get(0).get("result").asText());
        assertFalse(n.get("headers").get(0).has("detail"), "per-header outcomes omit absent values");
    }

    @Test
    void failureRecordCarriesReasonSipCodeAndHeaderOutcomes() throws Exception {
        JsonNode n = JSON.readTree(AuditRecord.format(
                Fixtures.spoof("c1", "+861012308", "t9", "99X", "https://evil.example/c.pem", AT.getEpochSecond() + 2, 1),
                StageTimings.NONE, AT));
        assertEquals("FAIL", n.get("status").asText());
        assertEquals("reject", n.get("action").asText());
        assertEquals("bad_signature", n.get("reason").asText());
        assertEquals(438, n.get("sip_code").asInt());
        assertEquals("TN-Validation-Failed", n.get("verstat").asText());
        assertEquals(-2, n.get("iat_age_s").asLong(), "a future iat shows as a negative age");
        assertTrue(n.get("tn_authorized").isNull());
        assertEquals(1, n.get("replay_count").asInt());
        assertEquals("bad_signature", n.get("headers").get(0).get("result").asText());
        assertEquals("unsupported_ppt_ignored", n.get("headers").get(1).get("result").asText());
        assertEquals("div", n.get("headers").get(1).get("ppt").asText());
    }

    @Test
    void absentValuesAreNullsNotMissingKeys() throws Exception {
        Decision bare = new Decision(CallAttempt.of(null, null, null),
                new Verdict(Verdict.Status.NO_IDENTITY, null, null, null, null, null, null, null, null, null, null, null, null),
                null, "NO_IDENTITY", Action.TAG, "missing_identity", 428, null, 0);
        JsonNode n = JSON.readTree(AuditRecord.format(bare, null, AT));
        assertEquals(AuditRecord.FIELDS.length, n.size());
        for (String f : List.of("unique_id", "caller", "caller_raw", "agency", "x5u", "iat", "iat_age_s", "passport")) {
            assertTrue(n.get(f).isNull(), f);
        }
        assertEquals(0, n.get("headers").size());
    }

    @Test
    void hostileStringsStayOneEscapedLineAndAreBounded() throws Exception {
        String evil = "+1\n{\"status\":\"PASS\"}\u0000\u001b[31m<script>" + "9".repeat(5000);
        Decision d = new Decision(new CallAttempt(evil, "1", null, null, "t\"r", "id", "ch"),
                Fixtures.unprotected("x").verdict(), null, "NOT_PROTECTED", Action.ALLOW, "missing_identity", 428, null, 0);
        String line = AuditRecord.format(d, StageTimings.NONE, AT);
        assertFalse(line.contains("\n"));
        assertFalse(line.contains("\u001b"), "control characters are escaped");
        JsonNode n = JSON.readTree(line);
        assertEquals("NOT_PROTECTED", n.get("status").asText(), "an injected field does not override the real one");
        assertEquals(AuditRecord.MAX_STRING, n.get("caller_raw").asText().length());
        assertTrue(n.get("caller_raw").asText().startsWith("+1\n{"));
        assertEquals("t\"r", n.get("trunk").asText());
        Map<?, ?> asMap = JSON.readValue(line, Map.class);
        assertEquals(AuditRecord.FIELDS.length, asMap.size());
    }

    @Test
    void tracebackEvidenceIsRecordedAsReceived() throws Exception {
        JsonNode n = JSON.readTree(AuditRecord.format(
                Fixtures.spoof("c1", "+861012308", "intl-gw", "0666", "https://cert.cheapvoip.example/sti.pem",
                        AT.getEpochSecond(), 0), StageTimings.NONE, AT, AuditEvidence.DEFAULT));
        assertEquals("2026-11-23T16:20:05.123Z", n.get("ts").asText(), "full time with milliseconds, UTC");
        assertEquals("a84b4c76e66710@gw3.carrier.example", n.get("sip_call_id").asText());
        assertEquals("203.0.113.7:5060", n.get("source").asText());
        assertEquals(Fixtures.SPOOF_SIP.from(), n.get("from").asText());
        assertEquals(List.of("<sip:+861012308@gw3.carrier.example;user=phone>", "<tel:+861012308>"), texts(n.get("pai")));
        assertEquals(List.of("<sip:+81312345678@pbx.example>;index=1"), texts(n.get("history_info")));
        assertEquals(0, n.get("diversion").size());
        assertEquals(1, n.get("identity_count").asInt());
        assertEquals(List.of(Fixtures.SPOOF_IDENTITY), texts(n.get("identity")), "the header verbatim");
    }

    @Test
    void identityHeadersCanBeTurnedOffAndTheirCountStays() throws Exception {
        Decision d = Fixtures.spoof("c1", "+861012308", "t", "0666", "https://x.example/a.pem", AT.getEpochSecond(), 0);
        JsonNode n = JSON.readTree(AuditRecord.format(d, StageTimings.NONE, AT, new AuditEvidence(false, 4096)));
        assertTrue(n.get("identity").isNull(), "not recorded");
        assertEquals(1, n.get("identity_count").asInt());
        assertEquals("a84b4c76e66710@gw3.carrier.example", n.get("sip_call_id").asText(), "the rest of the evidence stays");
        assertEquals(AuditRecord.FIELDS.length, n.size());
    }

    @Test
    void evidenceIsBoundedInCountAndSize() throws Exception {
        String big = "A".repeat(3000);
        List<String> pais = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            pais.add("<tel:+8610" + i + ">");
        }
        org.stirshield.verify.SipRequest sip = new org.stirshield.verify.SipRequest("x".repeat(5000), "198.51.100.1:5060",
                "f", pais, List.of(), List.of());
        Decision d = new Decision(new CallAttempt("+861012308", "1", List.of(big + "1", big + "2", big + "3", "tiny"),
                null, null, "id", null, null, sip), Fixtures.unprotected("x").verdict(), null, "NOT_PROTECTED",
                Action.ALLOW, "missing_identity", 428, null, 0);
        JsonNode n = JSON.readTree(AuditRecord.format(d, StageTimings.NONE, AT, new AuditEvidence(true, 7000)));
        assertEquals(AuditRecord.MAX_STRING, n.get("sip_call_id").asText().length(), "Call-ID cut");
        assertEquals(AuditRecord.MAX_VALUES, n.get("pai").size(), "at most MAX_VALUES P-Asserted-Identity values");
        assertEquals(4, n.get("identity_count").asInt(), "how many were received");
        List<String> identity = texts(n.get("identity"));
        assertEquals(3, identity.size(), "the budget ran out in the third header: " + identity.size());
        assertEquals(big + "1", identity.get(0));
        assertEquals(big + "2", identity.get(1));
        assertTrue(identity.get(2).endsWith("…"), "a cut header is marked");
        int bytes = identity.stream().mapToInt(AuditRecord::utf8Length).sum();
        assertTrue(bytes <= 7000 && bytes > 6900, "together within the budget: " + bytes);
    }

    /**
     * The Identity budget at its edges: the last header is written without counting its bytes when it fits even at
     * 3 bytes per char; each case against what counting every header gives ({@link #identityByCounting}).
     */
    @Test
    void identityBudgetAtItsEdges() throws Exception {
        int budget = 300;
        String euro = "€"; // 3 bytes
        String pair = "\uD83D\uDCDE"; // 2 chars, 4 bytes
        List<List<String>> cases = List.of(
                List.of(euro.repeat(100)), // 3 x 100 = 300: fits exactly, not counted
                List.of(euro.repeat(101)), // 303: cut
                List.of("A".repeat(101)), // 101 chars > 300 / 3: counted, fits
                List.of("A".repeat(300)), // exactly the budget
                List.of("A".repeat(301)), // one byte over: cut
                List.of(pair.repeat(75)), // 150 chars x 3 = 450 > 300, 300 bytes: fits when counted
                List.of(pair.repeat(76)), // 304 bytes: cut, never inside a pair
                List.of("\uD83D".repeat(100)), // lone surrogates count 3 bytes each (written as ?): 300
                List.of("A".repeat(200), euro.repeat(34)), // 200 + 102 = 302: the second, last, is cut
                List.of("A".repeat(200), euro.repeat(33)), // 200 + 99: both whole
                List.of("A".repeat(200), "B".repeat(100)), // 300: the second, 100 x 3 > 100 left, counted: whole
                List.of("A".repeat(300), "B")); // no budget left for the second
        for (List<String> headers : cases) {
            Decision d = new Decision(new CallAttempt("+861012308", "1", headers, null, null, "id", null),
                    Fixtures.unprotected("x").verdict(), null, "NOT_PROTECTED", Action.ALLOW, "missing_identity", 428,
                    null, 0);
            JsonNode n = JSON.readTree(AuditRecord.format(d, StageTimings.NONE, AT, new AuditEvidence(true, budget)));
            assertEquals(identityByCounting(headers, budget), texts(n.get("identity")),
                    () -> headers.stream().map(h -> h == null ? "null" : h.length() + " chars").toList().toString());
        }
    }

    /** The Identity values a budget of {@code budget} UTF-8 bytes keeps, every header's bytes counted. */
    private static List<String> identityByCounting(List<String> headers, int budget) {
        List<String> out = new ArrayList<>();
        int left = budget;
        for (String h : headers) {
            if (out.size() == AuditRecord.MAX_VALUES || left <= 0) {
                break;
            }
            String v = AuditRecord.cutUtf8(h, left);
            left -= AuditRecord.utf8Length(v);
            out.add(v.replace("\uD83D", "?").replace("?\uDCDE", "\uD83D\uDCDE")); // a lone surrogate is written as ?
        }
        return out;
    }

    @Test
    void cutUtf8KeepsWholeCharactersWithinTheBudget() {
        assertEquals("abc", AuditRecord.cutUtf8("abc", 3));
        assertEquals("a…", AuditRecord.cutUtf8("abcde", 4));
        String chinese = "外交部领事保护热线"; // 3 bytes each
        String cut = AuditRecord.cutUtf8(chinese, 10);
        assertEquals("外交…", cut);
        assertTrue(AuditRecord.utf8Length(cut) <= 10);
        assertEquals(4, AuditRecord.utf8Length("\uD83D\uDCDE"), "a surrogate pair is 4 bytes");
    }

    @Test
    void theReportReadsTheEvidenceBack() {
        String line = AuditRecord.format(Fixtures.spoof("c1", "+861012308", "intl-gw", "0666", "https://x.example/a.pem",
                AT.getEpochSecond(), 0), StageTimings.NONE, AT, AuditEvidence.DEFAULT);
        AuditEntry e = AuditEntry.parse(line, true);
        assertEquals("a84b4c76e66710@gw3.carrier.example", e.sipCallId());
        assertEquals("203.0.113.7:5060", e.source());
        assertEquals(Fixtures.SPOOF_SIP.from(), e.from());
        assertEquals(Fixtures.SPOOF_SIP.assertedIdentities(), e.pai());
        assertEquals(List.of(Fixtures.SPOOF_IDENTITY), e.identity());
        assertEquals(Long.valueOf(AT.getEpochSecond()), e.iat());
        assertTrue(e.spoofed());
        AuditEntry light = AuditEntry.parse(line);
        assertEquals("203.0.113.7:5060", light.source(), "scalars are always read");
        assertEquals(List.of(), light.pai(), "lists only when asked for");
        assertEquals(null, light.identity());
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(x -> out.add(x.asText()));
        return out;
    }
}
