package org.stirshield.audit;

import java.util.List;
import org.stirshield.policy.Action;
import org.stirshield.policy.Decision;
import org.stirshield.policy.ProtectedMatch;
import org.stirshield.verify.CallAttempt;
import org.stirshield.verify.Reason;
import org.stirshield.verify.SipRequest;
import org.stirshield.verify.Verdict;

/** Real Decision / Verdict / CallAttempt values for the audit tests (plain records, no mocks). */
final class Fixtures {
    static final String DIGEST = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    private Fixtures() {
    }

    /** A verified call from a protected number. */
    static Decision pass(String callId, long iat) {
        CallAttempt call = new CallAttempt("+861012308", "0312345678", List.of("eyJ...;info=<https://cert.example/a.pem>"),
                null, "trunk-carrier-a", callId, "PJSIP/carrier-a-00000001");
        Verdict v = new Verdict(Verdict.Status.PASS, "A", null, "https://cert.example/a.pem", "4437c7eb-8f92-4e7b-9fbe-5e7fd3b9bd45",
                "1234", "ab".repeat(32), iat, DIGEST, true, "+861012308", "+81312345678",
                List.of(new Verdict.HeaderResult(0, "shaken", null, "A", "https://cert.example/a.pem", null)));
        return new Decision(call, v, new ProtectedMatch("+861012308", "Consular hotline", "strict"), "PASS", Action.ALLOW,
                "verified", null, "Consular hotline", 0);
    }

    /** What the INVITE of a spoofed call carried besides the numbers: the traceback evidence. */
    static final SipRequest SPOOF_SIP = new SipRequest("a84b4c76e66710@gw3.carrier.example", "203.0.113.7:5060",
            "\"Consulate\" <sip:+861012308@gw3.carrier.example>;tag=1928301774",
            List.of("<sip:+861012308@gw3.carrier.example;user=phone>", "<tel:+861012308>"),
            List.of("<sip:+81312345678@pbx.example>;index=1"), List.of());
    /** The Identity header of a spoofed call, as received. */
    static final String SPOOF_IDENTITY = "eyJhbGciOiJFUzI1NiIsInBwdCI6InNoYWtlbiIsInR5cCI6InBhc3Nwb3J0In0.eyJhdHRlc3QiOiJBIn0."
            + "c2lnbmF0dXJl;info=<https://cert.cheapvoip.example/sti.pem>;alg=ES256;ppt=shaken";

    /** A spoofed protected number: bad signature, rejected. */
    static Decision spoof(String callId, String caller, String trunk, String spc, String x5u, long iat, int replay) {
        CallAttempt call = new CallAttempt(caller, "0312345678", List.of(SPOOF_IDENTITY), null, trunk, callId,
                "PJSIP/" + trunk + "-1", null, SPOOF_SIP);
        Verdict v = new Verdict(Verdict.Status.FAIL, null, Reason.BAD_SIGNATURE, x5u, "origid-" + spc, spc, "cd".repeat(32),
                iat, replay > 0 ? DIGEST : null, null, caller, "+81312345678",
                List.of(new Verdict.HeaderResult(0, "shaken", Reason.BAD_SIGNATURE, "A", x5u, "signature does not verify"),
                        new Verdict.HeaderResult(1, "div", Reason.UNSUPPORTED_PPT_IGNORED, null, null, null)));
        return new Decision(call, v, new ProtectedMatch(caller, "Ministry of Foreign Affairs", "strict"), "FAIL", Action.REJECT,
                "bad_signature", 438, null, replay);
    }

    /** A call from an unprotected number without Identity. */
    static Decision unprotected(String callId) {
        CallAttempt call = new CallAttempt("0901234567", "0312345678", List.of(), null, "trunk-b", callId, null);
        Verdict v = new Verdict(Verdict.Status.NO_IDENTITY, null, Reason.MISSING_IDENTITY, null, null, null, null, null, null,
                null, "81901234567", "81312345678", List.of());
        return new Decision(call, v, null, Decision.NOT_PROTECTED, Action.ALLOW, "missing_identity", 428, null, 0);
    }
}
