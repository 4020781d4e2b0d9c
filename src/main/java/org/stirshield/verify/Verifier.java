package org.stirshield.verify;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.stirshield.cert.CertificateSource;
import org.stirshield.cert.ContentSource;
import org.stirshield.cert.CredentialFailure;
import org.stirshield.cert.Deadline;
import org.stirshield.cert.FetchPriority;
import org.stirshield.passport.Es256;
import org.stirshield.passport.IdentityHeader;
import org.stirshield.passport.PassportException;
import org.stirshield.passport.SipHeaderValues;
import org.stirshield.passport.TnCanonicalizer;
import org.stirshield.verify.Outcome.Kind;
import org.stirshield.verify.Outcome.Stage;

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
 * ({@link PassportCheck}). The calling TN is the P-Asserted-Identity's when the call has any, each value
 * tried in turn, else the dialplan's caller (SHK-06). A call whose SHAKEN PASSporT names another called
 * number passes through a chain of div PASSporTs (DIV-01, RFC 8946; {@link DivChain}). Rich Call Data
 * (RFC 9795) is checked after the TN verdict and never changes it (RCD-01; {@link RichCallDataCheck}).
 * Supported ppt values: {@code shaken} and none (a base PASSporT, which passes without attestation) for
 * the caller; {@code div}; {@code rcd}. Never throws; thread-safe.
 */
public final class Verifier {
    private final VerifierSettings settings;
    private final TnCanonicalizer canonicalizer;
    private final PassportCheck passports;
    private final RichCallDataCheck richCallData;
    private final Es256 es256;
    private final VerifiedPassports verified;

    private Verifier(VerifierSettings settings, CertificateSource certificates, ContentSource content, Es256 es256,
            int passportCacheEntries) {
        this.settings = settings;
        this.canonicalizer = settings.canonicalizer();
        this.passports = new PassportCheck(settings, certificates, es256);
        this.richCallData = new RichCallDataCheck(content);
        this.es256 = es256;
        this.verified = new VerifiedPassports(passportCacheEntries, settings.freshness().plus(settings.futureSkew()));
    }

    /** A verifier with the fastest ES256 provider that passes its self-test; RCD content is not fetched. */
    public static Verifier create(VerifierSettings settings, CertificateSource certificates) {
        return new Verifier(settings, certificates, ContentSource.NONE, Es256.fastest(), VerifiedPassports.DEFAULT_ENTRIES);
    }

    /** A verifier that fetches RCD content for rcdi digests from {@code content}. */
    public static Verifier create(VerifierSettings settings, CertificateSource certificates, ContentSource content) {
        return new Verifier(settings, certificates, content, Es256.fastest(), VerifiedPassports.DEFAULT_ENTRIES);
    }

    /**
     * A verifier that fetches RCD content from {@code content} and keeps at most {@code passportCacheEntries}
     * Identity header values in its verified-PASSporT cache ({@code verification.passport_cache_entries}; 0: none).
     */
    public static Verifier create(VerifierSettings settings, CertificateSource certificates, ContentSource content,
            int passportCacheEntries) {
        return new Verifier(settings, certificates, content, Es256.fastest(), passportCacheEntries);
    }

    /** A verifier with a given ES256 implementation (benchmarks, tests). */
    public static Verifier create(VerifierSettings settings, CertificateSource certificates, Es256 es256) {
        return new Verifier(settings, certificates, ContentSource.NONE, es256, VerifiedPassports.DEFAULT_ENTRIES);
    }

    /** A verifier with a given ES256 implementation and verified-PASSporT cache size (tests). */
    public static Verifier create(VerifierSettings settings, CertificateSource certificates, Es256 es256,
            int passportCacheEntries) {
        return new Verifier(settings, certificates, ContentSource.NONE, es256, passportCacheEntries);
    }

    /** {@code verification.passport_cache_entries} from the {@code verification:} section (default 16384). */
    public static int passportCacheEntries(com.fasterxml.jackson.databind.JsonNode verification) {
        return org.stirshield.config.ConfigValues.integer(verification, "passport_cache_entries",
                VerifiedPassports.DEFAULT_ENTRIES, 0, 1_000_000);
    }

    /** The TN canonicalizer of these settings (shared, thread-safe). */
    public TnCanonicalizer canonicalizer() {
        return canonicalizer;
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

    /** Verifies at {@code now}; {@code deadline} bounds certificate and RCD content retrieval. */
    public Verdict verify(CallAttempt call, Instant now, Deadline deadline) {
        return verify(call, now, deadline, FetchPriority.ORDINARY);
    }

    /**
     * Verifies at {@code now}; {@code deadline} bounds certificate and RCD content retrieval, and a certificate
     * fetch this call has to wait for is queued by {@code priority} (calls claiming a protected number first).
     */
    public Verdict verify(CallAttempt call, Instant now, Deadline deadline, FetchPriority priority) {
        PassportCheck.Call c = call(call, priority);
        List<String> values = call.identityHeaders();
        List<Outcome> outcomes = new ArrayList<>(values.size());
        for (int i = 0; i < values.size(); i++) {
            Outcome o = new Outcome(i);
            if (i >= settings.maxIdentityHeaders()) {
                o.fail(Stage.PARSE, Reason.OVERSIZE, "more than " + settings.maxIdentityHeaders() + " Identity headers: not checked (HDR-09)");
            } else {
                try {
                    checkOne(o, values.get(i), c, now, deadline);
                } catch (Deadline.WouldBlock e) {
                    throw e; // a wait this thread must not make: the whole call runs again where it may
                } catch (RuntimeException | StackOverflowError e) {
                    o.fail(Stage.PARSE, Reason.INTERNAL_ERROR, "internal error: " + e.getClass().getSimpleName());
                }
            }
            outcomes.add(o);
        }
        try {
            linkDiversions(outcomes, c, call.sip());
        } catch (RuntimeException e) {
            for (Outcome o : outcomes) {
                if (o.kind == Kind.ORIGIN && o.reason == Reason.DEST_MISMATCH) {
                    o.fail(Stage.CLAIMS, Reason.INTERNAL_ERROR, "internal error linking div PASSporTs: " + e.getClass().getSimpleName());
                }
            }
        }
        Verdict v = decide(outcomes, c, call.sip());
        return withRichCallData(v, outcomes, deadline);
    }

    /** The numbers of the call: the P-Asserted-Identity TNs to try when there are any (SHK-06), else the caller. */
    private PassportCheck.Call call(CallAttempt call, FetchPriority priority) {
        String presented = canonicalizer.canonicalize(call.callerTn());
        List<String> asserted = SipHeaderValues.assertedTns(call.sip().assertedIdentities(), canonicalizer);
        List<String> callers = !asserted.isEmpty() ? asserted : presented == null ? List.of() : List.of(presented);
        return new PassportCheck.Call(presented, callers, !asserted.isEmpty(), canonicalizer.canonicalize(call.calledTn()),
                call.date(), priority);
    }

    private void checkOne(Outcome o, String value, PassportCheck.Call c, Instant now, Deadline deadline) {
        // 1. the header (HDR-01..06, HDR-09); parsed once per distinct value (the verified-PASSporT cache)
        VerifiedPassports.Memo memo = verified.memo(value, settings.maxIdentityBytes());
        if (memo.parseError != null) {
            o.fail(Stage.PARSE, Reason.of(memo.parseError.failure()), memo.parseError.getMessage());
            return;
        }
        IdentityHeader h = memo.header;
        o.memo = memo;
        o.kind = PassportCheck.kindOf(h);
        if (o.kind == Kind.IGNORED) {
            o.ppt = h.ppt();
            o.x5u = h.info();
            o.fail(Stage.PARSE, Reason.UNSUPPORTED_PPT_IGNORED, "ppt=" + h.ppt() + " is not supported: header ignored (HDR-06)");
            return;
        }
        passports.check(o, h, c, now, deadline);
    }

    /** DIV-01: an origin PASSporT that failed only because its dest is not the called TN may pass through div PASSporTs. */
    private void linkDiversions(List<Outcome> outcomes, PassportCheck.Call c, SipRequest sip) {
        List<Outcome> divs = null;
        List<DivChain.Diverting> diverting = null;
        for (Outcome o : outcomes) {
            if (o.kind == Kind.ORIGIN && o.reason == Reason.DEST_MISMATCH && o.destTns != null) {
                if (diverting == null) { // only for a forwarded call: not per call
                    divs = outcomes.stream().filter(x -> x.kind == Kind.DIV).toList();
                    diverting = DivChain.shown(sip, canonicalizer);
                }
                if (divs.isEmpty() && diverting.isEmpty()) {
                    continue; // not forwarded: dest_mismatch stands
                }
                DivChain.link(o, divs, c.called(), diverting, settings.requireDiversionHeaders());
            }
        }
    }

    private Verdict decide(List<Outcome> outcomes, PassportCheck.Call c, SipRequest sip) {
        List<Verdict.HeaderResult> results = new ArrayList<>(outcomes.size());
        Outcome pass = null;
        List<Outcome> failed = new ArrayList<>();
        for (Outcome o : outcomes) {
            results.add(o.result());
            if (o.kind != Kind.ORIGIN) {
                continue; // div and rcd PASSporTs do not verify the caller; ignored ppt values neither (HDR-06)
            }
            if (o.reason == null) {
                if (pass == null) {
                    pass = o;
                }
            } else if (o.reason != Reason.UNSUPPORTED_PPT_IGNORED) {
                failed.add(o);
            }
        }
        String callerTn = c.presented() != null ? c.presented() : c.firstCaller();
        if (pass != null) {
            return verdict(Verdict.Status.PASS, null, pass, pass.origTn != null ? pass.origTn : callerTn, c.called(),
                    results, diversion(pass, outcomes, sip));
        }
        if (failed.isEmpty()) {
            return new Verdict(Verdict.Status.NO_IDENTITY, null, Reason.MISSING_IDENTITY, null, null, null, null, null, null,
                    null, callerTn, c.called(), results, diversion(null, outcomes, sip), null);
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
        return verdict(Verdict.Status.FAIL, reason, best, callerTn, c.called(), results, diversion(best, outcomes, sip));
    }

    /**
     * The call's forwarding as the verdict reports it: the deciding header's div chain when one was looked
     * for, else what the div PASSporTs and History-Info / Diversion show; null when nothing does.
     */
    private Verdict.Diversion diversion(Outcome deciding, List<Outcome> outcomes, SipRequest sip) {
        if (deciding != null && deciding.diversion != null) {
            return deciding.diversion;
        }
        DivChain.Diverting shown = DivChain.firstShown(sip, canonicalizer);
        List<Verdict.DivHop> hops = new ArrayList<>();
        for (Outcome o : outcomes) {
            if (o.kind == Kind.DIV) {
                hops.add(new Verdict.DivHop(o.index, o.divTn, o.destTns, o.x5u,
                        o.credential == null ? null : o.credential.spc(), o.tnAuthorized, o.iat, o.reason));
            }
        }
        if (shown.isEmpty() && hops.isEmpty()) {
            return null;
        }
        return new Verdict.Diversion(null, hops, false, shown.tns(), shown.header(), null, null);
    }

    private static Verdict verdict(Verdict.Status status, Reason reason, Outcome o, String caller, String called,
            List<Verdict.HeaderResult> results, Verdict.Diversion diversion) {
        var c = o.credential;
        String digest = o.digest != null ? o.digest : o.passport == null ? null
                : o.memo != null && o.memo.passport == o.passport ? o.memo.digest() : o.passport.digest();
        return new Verdict(status, status == Verdict.Status.PASS ? o.attest : null, reason, o.x5u, o.origid,
                c == null ? null : c.spc(), c == null ? null : c.fingerprint(), o.iat, digest, o.tnAuthorized, caller,
                called, results, diversion, null);
    }

    /** RCD-01: the RCD verdict is added to the TN verdict, never changes it; a failure inside it is a problem, not a crash. */
    private Verdict withRichCallData(Verdict v, List<Outcome> outcomes, Deadline deadline) {
        Verdict.RichCallData rcd;
        try {
            Outcome origin = null;
            for (Outcome o : outcomes) {
                if (o.kind == Kind.ORIGIN && o.reason == null) {
                    origin = o;
                    break;
                }
            }
            Set<String> called = new LinkedHashSet<>();
            if (v.calledTn() != null) {
                called.add(v.calledTn());
            }
            if (v.diversion() != null && v.diversion().chained()) {
                for (Verdict.DivHop h : v.diversion().hops()) {
                    called.add(h.from());
                    called.addAll(h.to());
                }
            }
            rcd = richCallData.check(v.status() == Verdict.Status.PASS, origin, outcomes, v.callerTn(), called, deadline);
        } catch (Deadline.WouldBlock e) {
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            rcd = new Verdict.RichCallData(false, null, null, -1, "internal_error", List.of(), List.of());
        }
        if (rcd == null) {
            return v;
        }
        return v.withRcd(rcd);
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
            case CRL_TIMEOUT -> Reason.CRL_TIMEOUT;
            case BAD_KEY_USAGE -> Reason.BAD_KEY_USAGE;
            case UNSUPPORTED_KEY -> Reason.UNSUPPORTED_ALG; // PPT-17 preferred 438; alt 437 unsupported_key
            case TNAUTHLIST_MISSING -> Reason.TNAUTHLIST_MISSING;
            case TNAUTHLIST_MALFORMED -> Reason.TNAUTHLIST_MALFORMED;
            default -> Reason.BAD_INFO; // BAD_URL, ADDRESS_REFUSED, HTTP_STATUS, TOO_LARGE (CRT-01)
        };
    }
}
