package org.stirshield.verify;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import org.stirshield.passport.SipHeaderValues;
import org.stirshield.passport.TnCanonicalizer;
import org.stirshield.verify.Outcome.Stage;

/**
 * A retargeted call (DIV-01; RFC 8946 §4, which updates RFC 8224 §6.2): the SHAKEN PASSporT names the
 * original called number in {@code dest}; each forwarding party adds a div PASSporT whose {@code div.tn}
 * is the number it diverted from and whose {@code dest} is the new target. The call passes with the
 * original attestation when a chain links them:
 * <ol>
 *   <li>the first div PASSporT's {@code div.tn} is in the SHAKEN PASSporT's {@code dest.tn}, each next
 *       one's {@code div.tn} is in the previous one's {@code dest.tn}, and the last one's {@code dest.tn}
 *       holds the called TN;</li>
 *   <li>every div PASSporT of the chain verified on its own (signature, certificate chain, TNAuthList
 *       authority over {@code div.tn}, freshness: {@link PassportCheck}) and carries the SHAKEN
 *       PASSporT's {@code orig.tn} (RFC 8946 §3: orig is copied from the original PASSporT);</li>
 *   <li>the chain's diverting numbers are, in order, among those the SIP request's History-Info
 *       (RFC 7044) or Diversion (RFC 5806) header shows, so that the signed chain matches the signalling;
 *       with neither header the chain fails unless {@code verification.require_diversion_headers} is off.</li>
 * </ol>
 * Failures: no link at all → {@code div_chain_broken}; a link that does not verify → its own reason
 * (e.g. {@code bad_signature}, {@code stale_iat}, {@code div_not_authorized}); another orig →
 * {@code div_orig_mismatch}; SIP disagrees → {@code div_history_mismatch} / {@code div_history_missing}.
 * All are 438 (RFC 8224 §6.2.2: no valid Identity header) except a link's own 403/436/437.
 */
final class DivChain {
    /** Paths explored at most (N div PASSporTs ≤ max_identity_headers; this is a safety net). */
    private static final int MAX_PATHS = 4096;

    private DivChain() {
    }

    /** The numbers a call was diverted from according to SIP, oldest first, and which header said so. */
    record Diverting(List<String> tns, String header) {
        static final Diverting NONE = new Diverting(List.of(), null);

        boolean isEmpty() {
            return tns.isEmpty();
        }
    }

    /** What SIP shows: History-Info's diverting numbers, then Diversion's, each when it shows any. */
    static List<Diverting> shown(SipRequest sip, TnCanonicalizer canonicalizer) {
        List<Diverting> out = new ArrayList<>(2);
        List<String> hi = SipHeaderValues.historyInfo(sip.historyInfo(), canonicalizer);
        if (!hi.isEmpty()) {
            out.add(new Diverting(hi, "History-Info"));
        }
        List<String> div = SipHeaderValues.diversion(sip.diversion(), canonicalizer);
        if (!div.isEmpty()) {
            out.add(new Diverting(div, "Diversion"));
        }
        return out;
    }

    /** The first of {@link #shown} (History-Info preferred), or {@link Diverting#NONE}. */
    static Diverting firstShown(SipRequest sip, TnCanonicalizer canonicalizer) {
        List<Diverting> s = shown(sip, canonicalizer);
        return s.isEmpty() ? Diverting.NONE : s.get(0);
    }

    /** One div PASSporT as far as its claims could be read (even if it did not verify). */
    private record Link(Outcome outcome, String orig, String div, List<String> dest) {
    }

    /**
     * Tries to link {@code origin} (which failed only with dest_mismatch) to {@code called} through
     * {@code divs}; on success clears its failure. Always sets {@code origin.diversion}.
     */
    static void link(Outcome origin, List<Outcome> divs, String called, List<Diverting> sip,
            boolean requireSip) {
        List<Link> links = new ArrayList<>();
        for (Outcome d : divs) {
            Link l = readable(d);
            if (l != null) {
                links.add(l);
            }
        }
        Diverting shown = sip.isEmpty() ? Diverting.NONE : sip.get(0);
        List<Integer> chain = search(origin, links, called, true);
        if (chain != null) {
            List<Outcome> hops = chain.stream().map(i -> links.get(i).outcome()).toList();
            Reason sipProblem = checkSip(hops, sip, requireSip);
            Diverting matched = sipProblem == null ? matching(hops, sip) : shown;
            origin.diversion = diversion(origin, hops, sipProblem == null, matched, sipProblem, true);
            if (sipProblem != null) {
                origin.fail(Stage.CLAIMS, sipProblem, sipProblem == Reason.DIV_HISTORY_MISSING
                        ? "div chain verified, but the call came without History-Info or Diversion to check it against (RFC 8946 §4)"
                        : "div chain's diverting numbers " + divTns(hops) + " are not those of " + shown.header() + " "
                                + shown.tns() + " (RFC 8946 §4)");
                return;
            }
            origin.reason = null;
            origin.stage = Stage.PASSED;
            origin.detail = "verified through " + hops.size() + " div PASSporT(s) " + divTns(hops) + " (attestation "
                    + origin.attest + ", RFC 8946)";
            origin.digest = chainDigest(origin, hops);
            return;
        }
        List<Integer> broken = search(origin, links, called, false);
        for (int i : broken == null ? List.<Integer>of() : broken) {
            Link l = links.get(i);
            Reason r = l.outcome().reason != null ? l.outcome().reason
                    : !l.orig().equals(origin.origTn) ? Reason.DIV_ORIG_MISMATCH : null;
            if (r != null) {
                List<Outcome> hops = broken.stream().map(j -> links.get(j).outcome()).toList();
                origin.diversion = diversion(origin, hops, false, shown, r, false);
                origin.fail(Stage.CLAIMS, r, r == Reason.DIV_ORIG_MISMATCH
                        ? "div PASSporT in Identity header " + l.outcome().index + " names another caller than the "
                                + "SHAKEN PASSporT (RFC 8946 §3)"
                        : "div PASSporT in Identity header " + l.outcome().index + " of the chain does not verify: "
                                + l.outcome().detail);
                return;
            }
        }
        origin.diversion = diversion(origin, divs, false, shown, Reason.DIV_CHAIN_BROKEN, false);
        origin.fail(Stage.CLAIMS, Reason.DIV_CHAIN_BROKEN, divs.isEmpty()
                ? "no div PASSporT to link dest " + origin.destTns + " to the called TN (RFC 8946 §4)"
                : "no chain of div PASSporTs " + divTns(divs) + " links dest " + origin.destTns
                        + " to the called TN (RFC 8946 §4)");
    }

    /** The claims of a div PASSporT that could be decoded, read leniently (its own checks say whether it verified). */
    private static Link readable(Outcome d) {
        if (d.passport == null) {
            return null;
        }
        if (d.passed()) {
            return new Link(d, d.origTn, d.divTn, d.destTns);
        }
        JsonNode c = d.passport.claims();
        String orig = PassportCheck.text(c.path("orig").get("tn"));
        String div = PassportCheck.text(c.path("div").get("tn"));
        JsonNode dest = c.path("dest").get("tn");
        if (orig == null || div == null || dest == null || !dest.isArray()) {
            return null;
        }
        List<String> dests = new ArrayList<>();
        for (JsonNode n : dest) {
            if (n.isTextual() && dests.size() < 16) {
                dests.add(n.textValue());
            }
        }
        return new Link(d, orig, div, dests);
    }

    /**
     * A shortest chain from the origin's dest to {@code called} (breadth first over paths without repeats),
     * using only verified links with the origin's orig when {@code strict}, any readable link otherwise.
     */
    private static List<Integer> search(Outcome origin, List<Link> links, String called, boolean strict) {
        Deque<List<Integer>> queue = new ArrayDeque<>();
        for (int i = 0; i < links.size(); i++) {
            if (usable(links.get(i), origin, strict) && origin.destTns.contains(links.get(i).div())) {
                queue.add(List.of(i));
            }
        }
        int explored = 0;
        while (!queue.isEmpty() && explored++ < MAX_PATHS) {
            List<Integer> path = queue.poll();
            Link last = links.get(path.get(path.size() - 1));
            if (last.dest().contains(called)) {
                return path;
            }
            for (int i = 0; i < links.size(); i++) {
                if (!path.contains(i) && usable(links.get(i), origin, strict) && last.dest().contains(links.get(i).div())) {
                    List<Integer> next = new ArrayList<>(path);
                    next.add(i);
                    queue.add(next);
                }
            }
        }
        return null;
    }

    private static boolean usable(Link l, Outcome origin, boolean strict) {
        return !strict || (l.outcome().passed() && l.orig().equals(origin.origTn));
    }

    /** Null when SIP agrees with the chain: its diverting numbers are, in order, among one header's. */
    private static Reason checkSip(List<Outcome> hops, List<Diverting> sip, boolean requireSip) {
        if (sip.isEmpty()) {
            return requireSip ? Reason.DIV_HISTORY_MISSING : null;
        }
        return matching(hops, sip) != null ? null : Reason.DIV_HISTORY_MISMATCH;
    }

    private static Diverting matching(List<Outcome> hops, List<Diverting> sip) {
        for (Diverting d : sip) {
            if (subsequence(divTns(hops), d.tns())) {
                return d;
            }
        }
        return sip.isEmpty() ? Diverting.NONE : null;
    }

    private static boolean subsequence(List<String> part, List<String> whole) {
        int j = 0;
        for (String s : whole) {
            if (j < part.size() && part.get(j).equals(s)) {
                j++;
            }
        }
        return j == part.size();
    }

    private static List<String> divTns(List<Outcome> hops) {
        List<String> out = new ArrayList<>(hops.size());
        for (Outcome o : hops) {
            Link l = readable(o);
            out.add(l == null ? "?" : l.div());
        }
        return out;
    }

    private static Verdict.Diversion diversion(Outcome origin, List<Outcome> hops, boolean chained,
            Diverting sip, Reason reason, boolean linked) {
        List<Verdict.DivHop> out = new ArrayList<>(hops.size());
        for (Outcome o : hops) {
            Link l = readable(o);
            out.add(new Verdict.DivHop(o.index, l == null ? null : l.div(), l == null ? List.of() : l.dest(), o.x5u,
                    o.credential == null ? null : o.credential.spc(), o.tnAuthorized, o.iat, o.reason));
        }
        String start = linked && !hops.isEmpty() ? readable(hops.get(0)).div()
                : origin.destTns == null || origin.destTns.isEmpty() ? null : origin.destTns.get(0);
        return new Verdict.Diversion(start, out, chained, sip == null ? List.of() : sip.tns(),
                sip == null ? null : sip.header(), reason,
                chained && origin.passport != null ? origin.passport.digest() : null);
    }

    /**
     * The replay key of a chained call: SHA-256 over the SHAKEN PASSporT's and each div PASSporT's signing
     * input, so that each forwarded leg of one genuine call is a call of its own (PPT-15: never the signatures).
     */
    private static String chainDigest(Outcome origin, List<Outcome> hops) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(origin.passport.signingInput().getBytes(StandardCharsets.US_ASCII));
            for (Outcome h : hops) {
                md.update((byte) '|');
                md.update(h.passport.signingInput().getBytes(StandardCharsets.US_ASCII));
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
