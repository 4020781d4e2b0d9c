package org.stirshield.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.stirshield.passport.Base64Url;
import org.stirshield.passport.IdentityHeader;
import org.stirshield.passport.Passport;
import org.stirshield.passport.PassportException;
import org.stirshield.testing.Fixture;
import org.stirshield.verify.CallAttempt;
import org.stirshield.verify.Reason;
import org.stirshield.verify.Verdict;

/**
 * The SIP Identity header and the PASSporT in it: header syntax (IdentityHeader), base64url, strict JSON and JWS
 * (Passport), and the whole verifier on a call carrying the input as its Identity header. Seeds: real signed
 * headers and tokens from the test PKI (SeedCorpus).
 */
class PassportFuzzTest {
    private static final Fixture FIXTURE = new Fixture();
    private static final org.stirshield.verify.Verifier VERIFIER = FIXTURE.verifier();

    /** IdentityHeader.parse: a header, or PassportException naming the reason. */
    @FuzzTest(maxDuration = "10s")
    void identityHeader(byte[] input) {
        String value = new String(input, StandardCharsets.UTF_8);
        Invariant.holds(() -> IdentityHeader.parse(value, 8192), PassportException.class);
    }

    /** Passport.decode and Base64Url: a PASSporT, or PassportException (malformed token/JSON, duplicate member). */
    @FuzzTest(maxDuration = "10s")
    void passportToken(byte[] input) {
        String token = new String(input, StandardCharsets.UTF_8);
        Invariant.holds(() -> {
            Base64Url.decode(token);
            Passport p = Passport.decode(token);
            p.digest();
        }, PassportException.class);
    }

    /** The verifier never throws and never fails with internal_error, whatever the Identity header holds. */
    @FuzzTest(maxDuration = "10s")
    void verifyCall(byte[] input) {
        String header = new String(input, StandardCharsets.UTF_8);
        Invariant.holds(() -> {
            Verdict v = VERIFIER.verify(CallAttempt.of(Fixture.CALLER, Fixture.CALLED, List.of(header)), Fixture.NOW);
            if (v == null || v.status() == null || v.reason() == Reason.INTERNAL_ERROR) {
                throw new IllegalStateException("verdict " + (v == null ? null : v.reason()) + " for a caller's input");
            }
        });
    }
}
