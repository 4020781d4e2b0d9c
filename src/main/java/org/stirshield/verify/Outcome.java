package org.stirshield.verify;

import java.util.List;
import org.stirshield.cert.Credential;
import org.stirshield.passport.Passport;

/** What happened to one Identity header while it was checked (mutable, one per header, one thread). */
final class Outcome {
    /** How far a header got (the processing-order steps of docs/requirements.md), for HDR-07's "the one that got furthest". */
    enum Stage { PARSE, DECODE, CREDENTIAL, CERTIFICATE, FRESHNESS, SIGNATURE, CLAIMS, PASSED }

    /** What the header's PASSporT is for: the caller's TN (SHAKEN or base), a diversion, or Rich Call Data. */
    enum Kind { ORIGIN, DIV, RCD, IGNORED }

    final int index;
    Kind kind = Kind.ORIGIN;
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
    /** The claims once they were checked: orig.tn, dest.tn, and div.tn of a div PASSporT. */
    String origTn;
    List<String> destTns;
    String divTn;
    /** For an origin PASSporT that passed through a div chain (or whose chain broke). */
    Verdict.Diversion diversion;
    /** The digest that identifies this call's signed content (the SHAKEN PASSporT's, or the whole chain's). */
    String digest;

    Outcome(int index) {
        this.index = index;
    }

    Outcome fail(Stage s, Reason r, String why) {
        stage = s;
        reason = r;
        detail = why;
        return this;
    }

    boolean passed() {
        return reason == null;
    }

    Verdict.HeaderResult result() {
        return new Verdict.HeaderResult(index, ppt, reason, attest, x5u, detail);
    }
}
