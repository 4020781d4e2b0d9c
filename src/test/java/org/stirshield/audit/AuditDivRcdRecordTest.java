package org.stirshield.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.stirshield.policy.Action;
import org.stirshield.policy.Decision;
import org.stirshield.policy.ProtectedMatch;
import org.stirshield.verify.CallAttempt;
import org.stirshield.verify.Reason;
import org.stirshield.verify.Verdict;

/** The audit record's {@code div} and {@code rcd} blocks: the whole div chain and the Rich Call Data outcome. */
class AuditDivRcdRecordTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant AT = Instant.parse("2026-11-23T16:20:05Z");

    private static JsonNode record(Verdict.Diversion div, Verdict.RichCallData rcd, String reason) throws Exception {
        CallAttempt call = new CallAttempt("+12155550100", "+12155550122", List.of("x", "y"), null, "t", "id-1", "PJSIP/t-1");
        Verdict v = new Verdict(Verdict.Status.PASS, "A", null, "https://cert.example/a.pem", "o", "1234", "ab".repeat(32),
                AT.getEpochSecond(), Fixtures.DIGEST, null, "12155550100", "12155550122", List.of(), div, rcd);
        Decision d = new Decision(call, v, new ProtectedMatch("12155550100", "Agency", "p"), "PASS", Action.ALLOW, reason,
                null, null, 0);
        return JSON.readTree(AuditRecord.format(d, StageTimings.NONE, AT));
    }

    @Test
    void forwardedCallRecordsTheWholeChain() throws Exception {
        Verdict.Diversion div = new Verdict.Diversion("12155550111", List.of(
                new Verdict.DivHop(1, "12155550111", List.of("12155550122"), "https://fwd.example/a.pem", "FWDA", true, 1L, null),
                new Verdict.DivHop(2, "12155550122", List.of("12155550133"), "https://fwd.example/b.pem", null, null, 1L,
                        Reason.BAD_SIGNATURE)),
                false, List.of("12155550111", "12155550122"), "History-Info", Reason.BAD_SIGNATURE, null);
        JsonNode n = record(div, null, "verified").get("div");
        assertFalse(n.get("chained").asBoolean());
        assertEquals("12155550111", n.get("orig_dest").asText());
        assertEquals(2, n.get("hops").size());
        assertEquals("FWDA", n.get("hops").get(0).get("spc").asText());
        assertEquals("pass", n.get("hops").get(0).get("result").asText());
        assertEquals("bad_signature", n.get("hops").get(1).get("result").asText());
        assertFalse(n.get("hops").get(1).has("spc"));
        assertEquals("12155550133", n.get("hops").get(1).get("to").get(0).asText());
        assertEquals("History-Info", n.get("sip_header").asText());
        assertEquals(2, n.get("sip").size());
        assertEquals("bad_signature", n.get("reason").asText());
    }

    @Test
    void richCallDataOutcomeIsRecorded() throws Exception {
        Verdict.RichCallData rcd = new Verdict.RichCallData(false, "SRE Mexico", null, 0, "rcdi_mismatch",
                List.of("SRE Mexico", "Other \"Name\"\n"), List.of(new Verdict.RcdIntegrity("/icn", "https://x.example/i.png", "mismatch")));
        JsonNode r = record(null, rcd, "verified");
        assertTrue(r.get("div").isNull());
        JsonNode n = r.get("rcd");
        assertFalse(n.get("verified").asBoolean());
        assertEquals("SRE Mexico", n.get("name").asText());
        assertEquals("rcdi_mismatch", n.get("problem").asText());
        assertEquals("Other \"Name\"\n", n.get("claimed").get(1).asText()); // escaped by Jackson, one line
        assertEquals("/icn", n.get("rcdi").get(0).get("p").asText());
        assertEquals("mismatch", n.get("rcdi").get(0).get("result").asText());
    }

    @Test
    void callWithoutEitherHasNullBlocks() throws Exception {
        JsonNode r = record(null, null, "verified");
        assertTrue(r.get("div").isNull());
        assertTrue(r.get("rcd").isNull());
    }
}
