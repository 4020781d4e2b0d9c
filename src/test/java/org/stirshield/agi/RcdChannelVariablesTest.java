package org.stirshield.agi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.asteriskjava.fastagi.command.ExecCommand;
import org.junit.jupiter.api.Test;
import org.stirshield.policy.Action;
import org.stirshield.policy.Decision;
import org.stirshield.policy.ProtectedMatch;
import org.stirshield.verify.CallAttempt;
import org.stirshield.verify.Verdict;

/** STIR_RCD_NAME / STIR_RCD_REASON: set only for a verified decision with verified Rich Call Data (RFC 9795). */
class RcdChannelVariablesTest {
    private static Map<String, String> vars(String reason, boolean rcdVerified, String name) {
        Verdict.RichCallData rcd = new Verdict.RichCallData(rcdVerified, name, "Visa, \"renewal\"", 0,
                rcdVerified ? null : "rcdi_mismatch", List.of(name), List.of());
        Verdict v = new Verdict(Verdict.Status.PASS, "A", null, null, null, null, null, null, null, null, "12025550100",
                "12155550100", List.of(), null, rcd);
        Decision d = new Decision(CallAttempt.of("+12025550100", "+12155550100", List.of()), v,
                new ProtectedMatch("12025550100", "Agency", "p"), "PASS", Action.ALLOW, reason, null, null, 0);
        return ChannelVariables.of(d);
    }

    @Test
    void verifiedNameAndReasonAreSetAndSurviveMSet() {
        Map<String, String> v = vars("verified", true, "Ministry (Consular), \"HQ\"\r\n");
        assertEquals("Ministry (Consular), \"HQ\"", v.get("STIR_RCD_NAME")); // control characters removed
        assertEquals("Visa, \"renewal\"", v.get("STIR_RCD_REASON"));
        String line = new ExecCommand("MSet", ChannelVariables.msetArgument(v)).buildCommand();
        Map<String, String> back = AgiClient.msetVariables(AgiClient.parseAgiArgs(line).get(2));
        assertEquals(v, back);
    }

    @Test
    void notSetWhenRcdDidNotVerifyOrTheDecisionIsNotVerified() {
        assertFalse(vars("verified", false, "Ministry").containsKey("STIR_RCD_NAME"));
        Map<String, String> spoof = vars("name_spoofed", true, "Ministry");
        assertFalse(spoof.containsKey("STIR_RCD_NAME"));
        assertFalse(spoof.containsKey("STIR_RCD_REASON"));
    }

    @Test
    void longNameIsBounded() {
        String n = vars("verified", true, "N".repeat(300)).get("STIR_RCD_NAME");
        assertTrue(n.length() <= ChannelVariables.MAX_VALUE);
    }
}
