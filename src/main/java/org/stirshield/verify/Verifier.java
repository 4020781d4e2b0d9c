package org.stirshield.verify;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.stirshield.cert.CertificateSource;
import org.stirshield.cert.Credential;
import org.stirshield.cert.CredentialException;
import org.stirshield.cert.CredentialFailure;
import org.stirshield.cert.Deadline;
import org.stirshield.passport.Es256;
import org.stirshield.passport.IdentityHeader;
import org.stirshield.passport.Passport;
import org.stirshield.passport.PassportException;
import org.stirshield.passport.TnCanonicalizer;

/**
 * Verifies a call's SIP Identity headers (RFC 8224 §6.2, RFC 8225, RFC 8588, ATIS-1000074 §5.3) in the
 * processing order of docs/requirements.md, each header independently (HDR-07):
 * <ol>
 *   <li>parse the header (HDR-01..05, HDR-09); a header with an unsupported ppt is ignored (HDR-06);</li>
 *   <li>decode the PASSporT and check typ/alg/crit/ppt (PPT-01..03, PPT-06, PPT-11, PPT-13, HDR-05);</li>
 *   <li>x5u = info, obtain the credential (PPT-04, CRT-01, CRT-02; the certificate source's URL rules decide
 *       what may be fetched) → 436;</li>
 *   <li>certificate checks done by the {@link CertificateSource} (CRT-03..08, PPT-17) → 437, and the
 *       TNAuthList scope (CRT-09/10) → 438;</li>
 *   <li>freshness of iat and Date (TIM-01, TIM-02, PPT-07) → 403;</li>
 *   <li>the ES256 signature over the received bytes with the leaf key (PPT-05, PPT-14..16) → 438;</li>
 *   <li>the claims (PPT-08..10, SHK-02..07, TN-04) → 438.</li>
 * </ol>
 * Supported ppt values: {@code shaken} and none (a base PASSporT, which passes without attestation).
 * Never throws; thread-safe.
 */
public final class Verifier {
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withLocale(Locale.ROOT);

    private final VerifierSettings settings;
    private final TnCanonicalizer canonicalizer;
    private final CertificateSource certificates;
    private final Es256 es256;

    private Verifier(VerifierSettings settings, CertificateSource certificates, Es256 es256) {
        this.settings = settings;
        this.canonicalizer = settings.canonicalizer();
        this.certificates = certificates;
        this.es256 = es256;
    }

    /** A verifier with the fastest ES256 provider that passes its self-test. */
    public static Verifier create(VerifierSettings settings, CertificateSource certificates) {
        return new Verifier(settings, certificates, Es256.fastest());
    }

    /** A verifier with a given ES256 implementation (benchmarks, tests). */
    public static Verifier create(VerifierSettings settings, CertificateSource certificates, Es256 es256) {
        return new Verifier(settings, certificates, es256);
    }

    public VerifierSettings settings() {
        return settings;
    }

    /** The ES256 provider in use. */
    public String cryptoProvider() {
        return es256.providerName();
    }

    /** Verifies at {@code now} with no call deadline. */
    public Verdict verify(CallAttempt call, Instant now) {
        return verify(call, now, Deadline.none());
    }

    /** Verifies at {@code now}; {@code deadline} bounds certificate retrieval (passed to the source). */
    public Verdict verify(CallAttempt call, Instant now, Deadline deadline) {
        String caller = canonicalizer.canonicalize(call.callerTn());
        String called = canonicalizer.canonicalize(call.calledTn());
        List<String> values = call.identityHeaders();
        List<Outcome> outcomes = new ArrayList<>(values.size());
        for (int i = 0; i < values.size(); i++) {
            Outcome o;
            if (i >= settings.maxIdentityHeaders()) {
                o = new Outcome(i);
                o.fail(Stage.PARSE, Reason.OVERSIZE, "more than " + settings.maxIdentityHeaders() + " Identity headers: not checked (HDR-09)");
            } else {
                try {
                    o = checkOne(i, values.get(i), call, caller, called, now, deadline);
                } catch (RuntimeException | StackOverflowError e) {
                    o = new Outcome(i);
                    o.fail(Stage.PARSE, Reason.INTERNAL_ERROR, "internal error: " + e.getClass().getSimpleName());
                }
            }
            outcomes.add(o);
        }
        return decide(outcomes, caller, called);
    }

    private Verdict decide(List<Outcome> outcomes, String caller, String called) {
        List<Verdict.HeaderResult> results = new ArrayList<>(outcomes.size());
        Outcome pass = null;
        List<Outcome> failed = new ArrayList<>();
        for (Outcome o : outcomes) {
            results.add(new Verdict.HeaderResult(o.index, o.ppt, o.reason, o.attest, o.x5u, o.detail));
            if (o.reason == null) {
                if (pass == null) {
                    pass = o;
                }
            } else if (o.reason != Reason.UNSUPPORTED_PPT_IGNORED) {
                failed.add(o);
            }
        }
        if (pass != null) {
            return verdict(Verdict.Status.PASS, null, pass, caller, called, results);
        }
        if (failed.isEmpty()) {
            return new Verdict(Verdict.Status.NO_IDENTITY, null, Reason.MISSING_IDENTITY, null, null, null, null, null, null,
                    null, caller, called, results);
        }
        // HDR-07: the header that got furthest decides; with several failed headers whose SIP codes
        // differ, 438 no_valid_identity (436 only when no credential could be had for any header).
        Outcome best = failed.get(0);
        for (Outcome o : failed) {
            if (o.stage.ordinal() > best.stage.ordinal()) {
                best = o;
            }
        }
        Reason reason = best.reason;
        for (Outcome o : failed) {
            if (o.reason.sipCode() != best.reason.sipCode()) {
                reason = Reason.NO_VALID_IDENTITY;
                break;
            }
        }
        return verdict(Verdict.Status.FAIL, reason, best, caller, called, results);
    }

    private static Verdict verdict(Verdict.Status status, Reason reason, Outcome o, String caller, String called,
            List<Verdict.HeaderResult> results) {
        Credential c = o.credential;
        return new Verdict(status, status == Verdict.Status.PASS ? o.attest : null, reason, o.x5u, o.origid,
                c == null ? null : c.spc(), c == null ? null : c.fingerprint(), o.iat,
                o.passport == null ? null : o.passport.digest(), o.tnAuthorized, caller, called, results);
    }

    private Outcome checkOne(int index, String value, CallAttempt call, String caller, String called, Instant now, Deadline deadline) {
        Outcome o = new Outcome(index);
        // 1. the header (HDR-01..06, HDR-09)
        IdentityHeader h;
        try {
            h = IdentityHeader.parse(value, settings.maxIdentityBytes());
        } catch (PassportException e) {
            return o.fail(Stage.PARSE, e.reason(), e.getMessage());
        }
        o.ppt = h.ppt();
        o.x5u = h.info();
        if (h.ppt() != null && !h.ppt().equals("shaken")) {
            return o.fail(Stage.PARSE, Reason.UNSUPPORTED_PPT_IGNORED, "ppt=" + h.ppt() + " is not supported: header ignored (HDR-06)");
        }
        if (h.alg() != null && !h.alg().equals("ES256")) {
            return o.fail(Stage.PARSE, Reason.UNSUPPORTED_ALG, "alg parameter " + h.alg() + " is not ES256 (HDR-04)");
        }
        // 2. the PASSporT (PPT-01..03, PPT-06, PPT-11, PPT-13, HDR-05, HDR-10)
        Passport p;
        try {
            if (h.compactForm()) {
                if (h.ppt() != null) {
                    return o.fail(Stage.DECODE, Reason.COMPACT_FORM_NOT_ALLOWED, "compact form with ppt=shaken (ATIS-1000074 §5.3.3, HDR-10, SHK-05)");
                }
                Instant date = date(call.date());
                if (date == null) {
                    return o.fail(Stage.DECODE, Reason.MISSING_CLAIM, "compact form needs a Date header to rebuild iat (HDR-10)");
                }
                if (caller == null || called == null) {
                    return o.fail(Stage.DECODE, caller == null ? Reason.ORIG_MISMATCH : Reason.DEST_MISMATCH,
                            "compact form needs canonical caller and called TNs (HDR-10)");
                }
                p = Passport.rebuild(h.token().substring(2), null, h.info(), caller, called, date.getEpochSecond());
            } else {
                p = Passport.decode(h.token());
            }
        } catch (PassportException e) {
            return o.fail(Stage.DECODE, e.reason(), e.getMessage());
        }
        o.passport = p;
        if (!"passport".equals(p.headerString("typ"))) {
            return o.fail(Stage.DECODE, Reason.BAD_TYP, "typ is not \"passport\" (PPT-02)");
        }
        if (!"ES256".equals(p.headerString("alg"))) {
            return o.fail(Stage.DECODE, Reason.UNSUPPORTED_ALG, "alg is not ES256 (PPT-03)");
        }
        if (p.hasHeader("crit")) {
            return o.fail(Stage.DECODE, Reason.CRIT_UNSUPPORTED, "crit lists parameters this verifier does not understand (PPT-06)");
        }
        JsonNode tokenPpt = p.header().get("ppt");
        if (tokenPpt != null && !tokenPpt.isTextual()) {
            return o.fail(Stage.DECODE, Reason.PPT_MISMATCH, "PASSporT ppt is not a string (HDR-05)");
        }
        String tp = tokenPpt == null ? null : tokenPpt.textValue();
        if (tp == null ? h.ppt() != null : !tp.equals(h.ppt())) {
            return o.fail(Stage.DECODE, Reason.PPT_MISMATCH,
                    "PASSporT ppt " + tp + " does not equal the header's ppt parameter " + h.ppt() + " (HDR-05, SHK-01)");
        }
        boolean shaken = "shaken".equals(tp);
        JsonNode attest = p.claims().get("attest");
        o.attest = attest != null && attest.isTextual() && shaken ? attest.textValue() : null;
        JsonNode origid = p.claims().get("origid");
        o.origid = origid != null && origid.isTextual() ? origid.textValue() : null;
        JsonNode iatNode = p.claims().get("iat");
        if (iatNode != null && iatNode.isIntegralNumber() && iatNode.canConvertToLong()) {
            o.iat = iatNode.longValue();
        }
        // 3. x5u and the credential (PPT-04, CRT-01, CRT-02)
        String x5u = p.headerString("x5u");
        if (x5u == null) {
            return o.fail(Stage.CREDENTIAL, Reason.MISSING_HEADER_PARAM, "PASSporT header has no x5u string (PPT-04)");
        }
        if (!x5u.equals(h.info())) {
            return o.fail(Stage.CREDENTIAL, Reason.X5U_INFO_MISMATCH, "x5u is not byte-identical to info (PPT-04)");
        }
        // Which x5u URLs may be fetched (https, port, address; http with certificates.allow_http) is decided
        // by the certificate source alone (cert.UrlRules, CRT-01): a pinned URL is a local file whatever its scheme.
        Credential cred;
        try {
            cred = certificates.credential(x5u, now, deadline);
        } catch (CredentialException e) {
            Reason r = reasonOf(e.failure());
            return o.fail(r.sipCode() == 436 ? Stage.CREDENTIAL : Stage.CERTIFICATE, r, e.getMessage());
        }
        o.credential = cred;
        // 4. TN scope of the certificate (CRT-09, CRT-10)
        if (cred.tnAuthList().hasTnEntries()) {
            o.tnAuthorized = caller != null && cred.tnAuthList().covers(caller);
            if (!o.tnAuthorized) {
                return o.fail(Stage.CERTIFICATE, Reason.TN_NOT_AUTHORIZED, "the certificate's TNAuthList does not cover the caller TN (CRT-09)");
            }
        }
        // 5. freshness (TIM-01, TIM-02, PPT-07)
        if (iatNode == null) {
            return o.fail(Stage.FRESHNESS, Reason.MISSING_CLAIM, "iat missing (PPT-07, SHK-04)");
        }
        if (!iatNode.isIntegralNumber()) {
            return o.fail(Stage.FRESHNESS, Reason.INVALID_CLAIM, "iat is not an integer JSON number (PPT-07)");
        }
        Reason stale = freshness(iatNode.bigIntegerValue(), now);
        if (stale != null) {
            return o.fail(Stage.FRESHNESS, stale, "iat outside the freshness window (TIM-01)");
        }
        if (!p.compact()) {
            Instant date = date(call.date());
            if (date != null) {
                Reason d = freshness(BigInteger.valueOf(date.getEpochSecond()), now);
                if (d != null) {
                    return o.fail(Stage.FRESHNESS, d, "Date header outside the freshness window (TIM-02)");
                }
            }
        }
        // 6. the signature (PPT-05, PPT-14, PPT-15, PPT-16)
        if (p.signature().length != 64) {
            return o.fail(Stage.SIGNATURE, Reason.BAD_SIGNATURE, "signature is " + p.signature().length + " bytes, not 64 (PPT-14)");
        }
        if (!es256.verify(cred.publicKey(), p.signingInput(), p.signature())) {
            return o.fail(Stage.SIGNATURE, Reason.BAD_SIGNATURE, "ES256 signature does not verify with the x5u leaf key (PPT-05, PPT-14)");
        }
        // 7. the claims (PPT-08..10, SHK-02..07, TN-04)
        JsonNode orig = p.claims().get("orig");
        if (orig == null) {
            return o.fail(Stage.CLAIMS, Reason.MISSING_CLAIM, "orig missing (SHK-04)");
        }
        JsonNode origTn = orig.get("tn");
        if (!orig.isObject() || origTn == null) {
            return o.fail(Stage.CLAIMS, orig.isObject() ? Reason.MISSING_CLAIM : Reason.INVALID_CLAIM, "orig is not an object with a tn (PPT-08)");
        }
        if (!origTn.isTextual() || !TnCanonicalizer.isCanonicalClaim(origTn.textValue())) {
            return o.fail(Stage.CLAIMS, Reason.INVALID_CLAIM, "orig.tn is not a canonical TN ^[0-9*#]{1,15}$ (PPT-10)");
        }
        JsonNode dest = p.claims().get("dest");
        if (dest == null) {
            return o.fail(Stage.CLAIMS, Reason.MISSING_CLAIM, "dest missing (SHK-04)");
        }
        JsonNode destTn = dest.get("tn");
        if (!dest.isObject() || destTn == null || !destTn.isArray() || destTn.isEmpty()) {
            return o.fail(Stage.CLAIMS, Reason.INVALID_CLAIM, "dest is not an object with a non-empty tn array (PPT-09)");
        }
        boolean destMatch = false;
        for (JsonNode d : destTn) {
            if (!d.isTextual() || !TnCanonicalizer.isCanonicalClaim(d.textValue())) {
                return o.fail(Stage.CLAIMS, Reason.INVALID_CLAIM, "dest.tn holds a non-canonical TN (PPT-10)");
            }
            destMatch |= d.textValue().equals(called);
        }
        if (shaken) {
            if (attest == null) {
                return o.fail(Stage.CLAIMS, Reason.MISSING_CLAIM, "attest missing (SHK-02, SHK-04)");
            }
            if (!attest.isTextual() || !attest.textValue().matches("[ABC]")) {
                return o.fail(Stage.CLAIMS, Reason.INVALID_CLAIM, "attest is not A, B or C (SHK-02)");
            }
            if (origid == null) {
                return o.fail(Stage.CLAIMS, Reason.MISSING_CLAIM, "origid missing (SHK-03, SHK-04)");
            }
            if (!origid.isTextual()) {
                return o.fail(Stage.CLAIMS, Reason.INVALID_CLAIM, "origid is not a string (SHK-03)");
            }
        }
        if (!origTn.textValue().equals(caller)) {
            return o.fail(Stage.CLAIMS, Reason.ORIG_MISMATCH, "orig.tn does not equal the canonical caller TN (SHK-06, TN-04)");
        }
        if (!destMatch) {
            return o.fail(Stage.CLAIMS, Reason.DEST_MISMATCH, "dest.tn does not contain the canonical called TN (SHK-07, TN-04)");
        }
        o.stage = Stage.PASSED;
        o.detail = "verified" + (shaken ? " (attestation " + o.attest + ")" : " (base PASSporT, no attestation)");
        return o;
    }

    private Reason freshness(BigInteger iat, Instant now) {
        BigInteger n = BigInteger.valueOf(now.getEpochSecond());
        if (iat.compareTo(n.subtract(BigInteger.valueOf(settings.freshness().toSeconds()))) < 0) {
            return Reason.STALE_IAT;
        }
        if (iat.compareTo(n.add(BigInteger.valueOf(settings.futureSkew().toSeconds()))) > 0) {
            return Reason.FUTURE_IAT;
        }
        return null;
    }

    private static Instant date(String date) {
        if (date == null || date.isBlank() || date.length() > 64) {
            return null;
        }
        try {
            return ZonedDateTime.parse(date.strip(), HTTP_DATE).toInstant();
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The reason class for a credential failure (docs/requirements.md, response codes). */
    public static Reason reasonOf(CredentialFailure f) {
        return switch (f) {
            case TIMEOUT -> Reason.X5U_TIMEOUT;
            case UNREACHABLE -> Reason.X5U_UNREACHABLE;
            case UNPARSEABLE -> Reason.UNPARSEABLE_CREDENTIAL;
            case UNTRUSTED_CHAIN -> Reason.UNTRUSTED_CHAIN;
            case PATH_INVALID -> Reason.PATH_INVALID;
            case EXPIRED -> Reason.CERT_EXPIRED;
            case NOT_YET_VALID -> Reason.CERT_NOT_YET_VALID;
            case REVOKED -> Reason.CERT_REVOKED;
            case REVOCATION_UNAVAILABLE -> Reason.REVOCATION_UNAVAILABLE;
            case BAD_KEY_USAGE -> Reason.BAD_KEY_USAGE;
            case UNSUPPORTED_KEY -> Reason.UNSUPPORTED_ALG; // PPT-17 preferred 438; alt 437 unsupported_key
            case TNAUTHLIST_MISSING -> Reason.TNAUTHLIST_MISSING;
            case TNAUTHLIST_MALFORMED -> Reason.TNAUTHLIST_MALFORMED;
            default -> Reason.BAD_INFO; // BAD_URL, ADDRESS_REFUSED, HTTP_STATUS, TOO_LARGE (CRT-01)
        };
    }

    /** How far a header got (the processing-order steps of docs/requirements.md), for HDR-07's "the one that got furthest". */
    enum Stage { PARSE, DECODE, CREDENTIAL, CERTIFICATE, FRESHNESS, SIGNATURE, CLAIMS, PASSED }

    private static final class Outcome {
        final int index;
        Stage stage = Stage.PARSE;
        Reason reason;
        String detail;
        String ppt;
        String x5u;
        String attest;
        String origid;
        Long iat;
        Passport passport;
        Credential credential;
        Boolean tnAuthorized;

        Outcome(int index) {
            this.index = index;
        }

        Outcome fail(Stage s, Reason r, String why) {
            stage = s;
            reason = r;
            detail = why;
            return this;
        }
    }
}
