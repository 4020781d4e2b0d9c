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
import org.stirshield.cert.Deadline;
import org.stirshield.cert.FetchPriority;
import org.stirshield.passport.Es256;
import org.stirshield.passport.IdentityHeader;
import org.stirshield.passport.Passport;
import org.stirshield.passport.PassportException;
import org.stirshield.passport.TnCanonicalizer;
import org.stirshield.verify.Outcome.Kind;
import org.stirshield.verify.Outcome.Stage;

/**
 * The checks of one Identity header's PASSporT in the processing order of docs/requirements.md, for each kind
 * of PASSporT a call may carry:
 * <ul>
 *   <li>{@link Kind#ORIGIN}: SHAKEN (RFC 8588) or base (RFC 8225) PASSporT of the caller: orig is one of the
 *       calling TNs (SHK-06), dest holds the called TN (SHK-07);</li>
 *   <li>{@link Kind#DIV}: a div PASSporT (RFC 8946 §3): the certificate's TN scope is checked against the
 *       diverting number {@code div.tn}; its place in the chain is {@link DivChain}'s business;</li>
 *   <li>{@link Kind#RCD}: an rcd PASSporT (RFC 9795): the certificate's TN scope against orig; whether it
 *       belongs to this call and what its RCD says is {@link RichCallDataCheck}'s.</li>
 * </ul>
 * Every kind goes through the same steps: decode (PPT-01..03, PPT-06, PPT-11, PPT-13, HDR-05), x5u = info
 * and the credential (PPT-04, CRT-01..08), TN scope (CRT-09/10), freshness (TIM-01/02, PPT-07), the ES256
 * signature over the received bytes (PPT-05, PPT-14..16), then the claims (PPT-08..10). Thread-safe.
 */
final class PassportCheck {
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withLocale(Locale.ROOT);

    /**
     * The call as the checks see it.
     *
     * @param presented the canonical caller number the callee is shown (the dialplan's caller), or null
     * @param callers the canonical calling TNs to try: the P-Asserted-Identity values when the call has any
     *     (SHK-06: each in turn), else {@code presented}; never null
     * @param fromAsserted whether {@code callers} came from P-Asserted-Identity
     * @param called the canonical called TN, or null
     * @param date the SIP Date header, or null
     * @param priority how a certificate fetch for this call is queued (calls claiming a protected number first)
     */
    record Call(String presented, List<String> callers, boolean fromAsserted, String called, String date,
            FetchPriority priority) {
        Call {
            callers = List.copyOf(callers);
        }

        String firstCaller() {
            return callers.isEmpty() ? null : callers.get(0);
        }
    }

    private final VerifierSettings settings;
    private final CertificateSource certificates;
    private final Es256 es256;

    PassportCheck(VerifierSettings settings, CertificateSource certificates, Es256 es256) {
        this.settings = settings;
        this.certificates = certificates;
        this.es256 = es256;
    }

    /** The kind of PASSporT a header's {@code ppt} parameter announces (HDR-06: others are ignored). */
    static Kind kindOf(IdentityHeader h) {
        if (h.ppt() == null || h.ppt().equals("shaken")) {
            return Kind.ORIGIN;
        }
        return switch (h.ppt()) {
            case "div" -> Kind.DIV;
            case "rcd" -> Kind.RCD;
            default -> Kind.IGNORED;
        };
    }

    /** Checks a parsed header's PASSporT of kind {@code o.kind}; fills and returns {@code o}. */
    Outcome check(Outcome o, IdentityHeader h, Call call, Instant now, Deadline deadline) {
        o.ppt = h.ppt();
        o.x5u = h.info();
        if (h.alg() != null && !h.alg().equals("ES256")) {
            return o.fail(Stage.PARSE, Reason.UNSUPPORTED_ALG, "alg parameter " + h.alg() + " is not ES256 (HDR-04)");
        }
        // 2. the PASSporT (PPT-01..03, PPT-06, PPT-11, PPT-13, HDR-05, HDR-10)
        Passport p;
        try {
            if (h.compactForm()) {
                if (h.ppt() != null) {
                    return o.fail(Stage.DECODE, Reason.COMPACT_FORM_NOT_ALLOWED, "compact form with ppt=" + h.ppt()
                            + " (ATIS-1000074 §5.3.3, HDR-10, SHK-05)");
                }
                Instant date = date(call.date());
                if (date == null) {
                    return o.fail(Stage.DECODE, Reason.MISSING_CLAIM, "compact form needs a Date header to rebuild iat (HDR-10)");
                }
                if (call.firstCaller() == null || call.called() == null) {
                    return o.fail(Stage.DECODE, call.firstCaller() == null ? Reason.ORIG_MISMATCH : Reason.DEST_MISMATCH,
                            "compact form needs canonical caller and called TNs (HDR-10)");
                }
                p = Passport.rebuild(h.token().substring(2), null, h.info(), call.firstCaller(), call.called(),
                        date.getEpochSecond());
            } else if (o.memo != null && o.memo.header == h) { // decoded once per distinct value
                if (o.memo.decodeError != null) {
                    throw o.memo.decodeError;
                }
                p = o.memo.passport;
            } else {
                p = Passport.decode(h.token());
            }
        } catch (PassportException e) {
            return o.fail(Stage.DECODE, Reason.of(e.failure()), e.getMessage());
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
            cred = certificates.credential(x5u, now, deadline, call.priority());
        } catch (CredentialException e) {
            Reason r = Verifier.reasonOf(e.failure());
            return o.fail(r.sipCode() == 436 ? Stage.CREDENTIAL : Stage.CERTIFICATE, r, e.getMessage());
        }
        o.credential = cred;
        // 4. TN scope of the certificate (CRT-09, CRT-10); for a div PASSporT the number it diverts from
        //    (RFC 8946 §4: the retargeting party signs for the number that was called)
        if (cred.tnAuthList().hasTnEntries()) {
            if (o.kind == Kind.DIV) {
                String div = text(p.claims().path("div").get("tn"));
                o.tnAuthorized = div != null && cred.tnAuthList().covers(div);
                if (!o.tnAuthorized) {
                    return o.fail(Stage.CERTIFICATE, Reason.DIV_NOT_AUTHORIZED,
                            "the div PASSporT's certificate does not cover the diverting number div.tn (RFC 8946 §4, CRT-09)");
                }
            } else {
                String caller = scopeCaller(p, call);
                o.tnAuthorized = caller != null && cred.tnAuthList().covers(caller);
                if (!o.tnAuthorized) {
                    return o.fail(Stage.CERTIFICATE, Reason.TN_NOT_AUTHORIZED,
                            "the certificate's TNAuthList does not cover the caller TN (CRT-09)");
                }
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
        if (!p.compact() && o.kind == Kind.ORIGIN) {
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
        VerifiedPassports.Memo memo = o.memo != null && o.memo.passport == p ? o.memo : null;
        Boolean known = memo == null ? null : memo.signatureValidWith(cred);
        boolean valid = known != null ? known : es256.verify(cred.publicKey(), p.signingInput(), p.signature());
        if (known == null && memo != null) {
            memo.signatureChecked(cred, valid); // this token with this very credential: the same answer next time
        }
        if (!valid) {
            return o.fail(Stage.SIGNATURE, Reason.BAD_SIGNATURE, "ES256 signature does not verify with the x5u leaf key (PPT-05, PPT-14)");
        }
        // 7. the claims (PPT-08..10, SHK-02..07, TN-04)
        return claims(o, p, shaken, call);
    }

    private Outcome claims(Outcome o, Passport p, boolean shaken, Call call) {
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
        List<String> dests = new ArrayList<>(destTn.size());
        for (JsonNode d : destTn) {
            if (!d.isTextual() || !TnCanonicalizer.isCanonicalClaim(d.textValue())) {
                return o.fail(Stage.CLAIMS, Reason.INVALID_CLAIM, "dest.tn holds a non-canonical TN (PPT-10)");
            }
            dests.add(d.textValue());
        }
        o.origTn = origTn.textValue();
        o.destTns = List.copyOf(dests);
        return switch (o.kind) {
            case DIV -> divClaim(o, p);
            case RCD -> rcdClaim(o, p);
            default -> originClaims(o, p, shaken, call);
        };
    }

    private static Outcome originClaims(Outcome o, Passport p, boolean shaken, Call call) {
        if (shaken) {
            JsonNode attest = p.claims().get("attest");
            if (attest == null) {
                return o.fail(Stage.CLAIMS, Reason.MISSING_CLAIM, "attest missing (SHK-02, SHK-04)");
            }
            if (!attest.isTextual() || !isAttestation(attest.textValue())) {
                return o.fail(Stage.CLAIMS, Reason.INVALID_CLAIM, "attest is not A, B or C (SHK-02)");
            }
            JsonNode origid = p.claims().get("origid");
            if (origid == null) {
                return o.fail(Stage.CLAIMS, Reason.MISSING_CLAIM, "origid missing (SHK-03, SHK-04)");
            }
            if (!origid.isTextual()) {
                return o.fail(Stage.CLAIMS, Reason.INVALID_CLAIM, "origid is not a string (SHK-03)");
            }
        }
        if (!call.callers().contains(o.origTn)) {
            return o.fail(Stage.CLAIMS, Reason.ORIG_MISMATCH, call.fromAsserted()
                    ? "orig.tn equals none of the P-Asserted-Identity TNs (SHK-06, TN-04)"
                    : "orig.tn does not equal the canonical caller TN (SHK-06, TN-04)");
        }
        if (call.fromAsserted() && call.presented() != null && !call.presented().equals(o.origTn)) {
            // SHK-06 verifies the P-Asserted-Identity; the callee is shown the dialplan's caller number,
            // which must then be the verified one, or a verified PAI would vouch for a number it is not.
            return o.fail(Stage.CLAIMS, Reason.ORIG_MISMATCH, "orig.tn equals a P-Asserted-Identity TN but not the caller "
                    + "number presented to the callee (SHK-06)");
        }
        if (!o.destTns.contains(call.called())) {
            return o.fail(Stage.CLAIMS, Reason.DEST_MISMATCH, "dest.tn does not contain the canonical called TN (SHK-07, TN-04)");
        }
        o.stage = Stage.PASSED;
        o.detail = "verified" + (shaken ? " (attestation " + o.attest + ")" : " (base PASSporT, no attestation)");
        return o;
    }

    /** RFC 8946 §3: {@code "div":{"tn":<the number the call was diverted from>}} (a TN, as SHAKEN requires). */
    private static Outcome divClaim(Outcome o, Passport p) {
        JsonNode div = p.claims().get("div");
        if (div == null) {
            return o.fail(Stage.CLAIMS, Reason.MISSING_CLAIM, "div claim missing (RFC 8946 §3, DIV-01)");
        }
        JsonNode tn = div.get("tn");
        if (!div.isObject() || tn == null) {
            return o.fail(Stage.CLAIMS, div.isObject() ? Reason.MISSING_CLAIM : Reason.INVALID_CLAIM,
                    "div is not an object with a tn (RFC 8946 §3)");
        }
        if (!tn.isTextual() || !TnCanonicalizer.isCanonicalClaim(tn.textValue())) {
            return o.fail(Stage.CLAIMS, Reason.INVALID_CLAIM, "div.tn is not a canonical TN (RFC 8946 §3, PPT-10)");
        }
        o.divTn = tn.textValue();
        o.stage = Stage.PASSED;
        o.detail = "div PASSporT verified: diverted from " + o.divTn;
        return o;
    }

    /** RFC 9795: an rcd PASSporT carries an {@code rcd} claim object. */
    private static Outcome rcdClaim(Outcome o, Passport p) {
        JsonNode rcd = p.claims().get("rcd");
        if (rcd == null) {
            return o.fail(Stage.CLAIMS, Reason.MISSING_CLAIM, "rcd claim missing (RFC 9795)");
        }
        if (!rcd.isObject()) {
            return o.fail(Stage.CLAIMS, Reason.INVALID_CLAIM, "rcd is not an object (RFC 9795)");
        }
        o.stage = Stage.PASSED;
        o.detail = "rcd PASSporT verified";
        return o;
    }

    /** The caller TN the certificate's scope is checked for: orig.tn when it is one of the calling TNs. */
    private static String scopeCaller(Passport p, Call call) {
        String orig = text(p.claims().path("orig").get("tn"));
        return orig != null && call.callers().contains(orig) ? orig : call.firstCaller();
    }

    static String text(JsonNode n) {
        return n != null && n.isTextual() ? n.textValue() : null;
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

    static Instant date(String date) {
        if (date == null || date.isBlank() || date.length() > 64) {
            return null;
        }
        try {
            return ZonedDateTime.parse(date.strip(), HTTP_DATE).toInstant();
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** A, B or C (SHK-02), without a regular expression per call. */
    private static boolean isAttestation(String a) {
        return a.length() == 1 && a.charAt(0) >= 'A' && a.charAt(0) <= 'C';
    }
}
