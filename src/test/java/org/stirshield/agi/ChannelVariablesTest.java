package org.stirshield.agi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.asteriskjava.fastagi.command.ExecCommand;
import org.junit.jupiter.api.Test;
import org.stirshield.policy.Action;
import org.stirshield.policy.Decision;
import org.stirshield.policy.ProtectedMatch;
import org.stirshield.verify.CallAttempt;
import org.stirshield.verify.Reason;
import org.stirshield.verify.Verdict;

/** The MSet command survives Asterisk's three parsing layers (AGI line, MSet's comma split, the = split). */
class ChannelVariablesTest {

    private static Map<String, String> roundTrip(Map<String, String> vars) {
        String line = ChannelVariables.msetCommand(vars);
        // the same quoting as asterisk-java's ExecCommand (which Asterisk integrations have used for years)
        assertEquals(new ExecCommand("MSet", ChannelVariables.msetArgument(vars)).buildCommand(), line);
        List<String> argv = AgiClient.parseAgiArgs(line);
        assertEquals(3, argv.size(), line);
        assertEquals("EXEC", argv.get(0));
        assertEquals("MSet", argv.get(1));
        return AgiClient.msetVariables(argv.get(2));
    }

    @Test
    void hostileValuesRoundTripExactly() {
        Map<String, String> vars = Scenarios.ordered(
                "STIR_AGENCY", "Ministry, \"Consular\" (12308) [HQ] \\ back=slash",
                "STIR_REASON", "",
                "CALLERID(name)", "[UNVERIFIED] O'Brien, \"Bob\" ${SHELL(id)}",
                "STIR_EMPTY_LAST", "");
        assertEquals(vars, roundTrip(vars));
    }

    @Test
    void unbalancedParenthesesAndQuotesDoNotSwallowTheNextVariable() {
        Map<String, String> vars = Scenarios.ordered("A", "((( \"", "B", "]]] ) x", "C", "c");
        assertEquals(vars, roundTrip(vars));
    }

    @Test
    void controlCharactersAreRemovedAndValuesBounded() {
        Decision d = decision("FAIL", Action.TAG, Reason.X5U_TIMEOUT, "[UNVERIFIED] ",
                new ProtectedMatch("+861012308", "Evil\r\nHANGUP\u0000" + "x".repeat(500), "gov"));
        Map<String, String> v = ChannelVariables.of(d);
        String agency = v.get("STIR_AGENCY");
        assertTrue(agency.startsWith("EvilHANGUP"), agency);
        assertEquals(ChannelVariables.MAX_VALUE, agency.length());
        String line = ChannelVariables.msetCommand(v);
        assertTrue(line.length() < 2048, "fits Asterisk's AGI command buffer: " + line.length());
        assertTrue(line.chars().noneMatch(c -> c < 0x20));
    }

    @Test
    void decisionsCallerNameIsTheCompleteNewName() {
        Map<String, String> v = ChannelVariables.of(decision("FAIL", Action.TAG, Reason.X5U_TIMEOUT, "[UNVERIFIED] Embassy", null));
        assertEquals("[UNVERIFIED] Embassy", v.get("CALLERID(name)"));
        assertEquals("[UNVERIFIED] Embassy", v.get("STIR_CALLER_NAME"));
        Map<String, String> replace = ChannelVariables.of(decision("PASS", Action.ALLOW, null, "Consular Hotline", null));
        assertEquals("Consular Hotline", replace.get("CALLERID(name)"));
        Map<String, String> none = ChannelVariables.of(decision("PASS", Action.ALLOW, null, null, null));
        assertEquals(List.of("STIR_STATUS", "STIR_ACTION", "STIR_ATTEST", "STIR_VERSTAT", "STIR_SIP_CODE", "STIR_REASON",
                "STIR_AGENCY"), List.copyOf(none.keySet()));
    }

    @Test
    void asteriskParsersBehaveAsResAgiAndApp() {
        assertEquals(List.of("GET", "FULL", "VARIABLE", "${X}"), AgiClient.parseAgiArgs("GET FULL VARIABLE \"${X}\""));
        assertEquals(List.of("a b", "c\"d"), AgiClient.parseAgiArgs("\"a b\" c\\\"d"));
        assertEquals(List.of("A", "1,2", "x"), AgiClient.separateAppArgs("A,1\\,2,x", ',', 99));
        assertEquals(List.of("A", ""), AgiClient.separateAppArgs("A=", '=', 2));
        assertEquals(List.of("N", "v=w\\x"), AgiClient.separateAppArgs("N=v=w\\x", '=', 2), "rest verbatim");
        assertEquals(List.of("F(a,b)", "c"), AgiClient.separateAppArgs("F(a,b),c", ',', 99));
    }

    private static Decision decision(String status, Action action, Reason reason, String name, ProtectedMatch m) {
        CallAttempt call = CallAttempt.of("+861012308", "+8613800138000", List.of());
        Verdict v = new Verdict(reason == null ? Verdict.Status.PASS : Verdict.Status.FAIL, reason == null ? "A" : null,
                reason, null, null, null, null, null, null, null, null, null, List.of());
        return new Decision(call, v, m, status, action, reason == null ? "verified" : reason.code(),
                reason == null ? null : reason.sipCode(), name, 0);
    }
}
