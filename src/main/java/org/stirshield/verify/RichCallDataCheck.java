package org.stirshield.verify;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.stirshield.cert.ContentSource;
import org.stirshield.cert.CredentialException;
import org.stirshield.cert.Deadline;
import org.stirshield.passport.CanonicalJson;
import org.stirshield.passport.IntegrityDigest;
import org.stirshield.passport.JsonPointer;
import org.stirshield.passport.Passport;
import org.stirshield.passport.PassportException;
import org.stirshield.verify.Outcome.Kind;

/**
 * Rich Call Data (RFC 9795; RCD-01): the {@code rcd} claim ({@code nam}, {@code icn}, {@code jcd} or
 * {@code jcl}, {@code apn}), the call reason {@code crn}, and the integrity claim {@code rcdi}, carried
 * in the SHAKEN PASSporT itself or in a separate {@code ppt=rcd} PASSporT. It is verified when:
 * <ol>
 *   <li>the call's TN verification passed, and the PASSporT carrying the RCD verified: the passing SHAKEN
 *       PASSporT, else an rcd PASSporT that verified on its own and names the verified caller in
 *       {@code orig} and the called TN (or a TN of its div chain) in {@code dest};</li>
 *   <li>the claims are well formed: {@code rcd} an object, {@code nam} a string without control
 *       characters, {@code icn}/{@code jcl} https URLs, {@code jcd} an array, not both {@code jcd} and
 *       {@code jcl}, {@code crn} a string;</li>
 *   <li>when {@code rcdi} is present: it covers {@code /icn} and {@code /jcl} when those are present, and
 *       every entry's digest ({@code sha256-<base64>}) matches what its JSON pointer names: the content at
 *       the URL it points at (fetched through the {@link ContentSource}: https only, size and time bounded),
 *       or the canonical JSON (RFC 8785) of the value it points at. {@code /jcl/...} points into the jCard
 *       fetched from {@code jcl}.</li>
 * </ol>
 * RCD never changes the TN result (RCD-01). Every {@code nam} any PASSporT carried is reported, verified
 * or not, for the policy's name pinning.
 */
final class RichCallDataCheck {
    static final int MAX_NAME = 256;
    static final int MAX_REASON = 256;
    static final int MAX_CLAIMED = 4;
    static final int MAX_RCDI = 16;
    static final int MAX_FETCHES = 8;
    /** Part of the call's remaining time kept for the policy and the answer after RCD fetches. */
    private static final Duration RESERVE = Duration.ofMillis(250);

    private final ContentSource content;

    RichCallDataCheck(ContentSource content) {
        this.content = content;
    }

    /**
     * The call's RCD, or null when none of its PASSporTs carries {@code rcd} or {@code crn}.
     *
     * @param passed whether the call's TN verification passed
     * @param origin the passing origin PASSporT, or null
     * @param all every header's outcome
     * @param caller the verified caller TN
     * @param calledTns the called TN and, for a chained call, every TN of its chain
     */
    Verdict.RichCallData check(boolean passed, Outcome origin, List<Outcome> all, String caller,
            Collection<String> calledTns, Deadline deadline) {
        List<String> claimed = new ArrayList<>();
        boolean any = false;
        for (Outcome o : all) {
            if (o.passport == null) {
                continue;
            }
            JsonNode c = o.passport.claims();
            any |= c.has("rcd") || c.has("crn");
            String nam = PassportCheck.text(c.path("rcd").get("nam"));
            if (nam != null && claimed.size() < MAX_CLAIMED && !claimed.contains(cut(nam))) {
                claimed.add(cut(nam));
            }
        }
        if (!any) {
            return null;
        }
        Outcome source = null;
        String problem = null;
        if (!passed) {
            problem = "passport_not_verified";
        } else if (origin != null && (origin.passport.claims().has("rcd") || origin.passport.claims().has("crn"))) {
            source = origin;
        } else {
            for (Outcome o : all) {
                if (o.kind != Kind.RCD || o.passport == null) {
                    continue;
                }
                String p = !o.passed() ? o.reason.code()
                        : !o.origTn.equals(caller) ? "rcd_orig_mismatch"
                        : o.destTns.stream().noneMatch(calledTns::contains) ? "rcd_dest_mismatch" : null;
                if (p == null) {
                    source = o;
                    break;
                }
                problem = problem == null ? p : problem;
            }
            problem = source == null && problem == null ? "passport_not_verified" : problem;
        }
        if (source == null) {
            return new Verdict.RichCallData(false, claimed.isEmpty() ? null : claimed.get(0), null, -1, problem,
                    claimed, List.of());
        }
        return verify(source, claimed, deadline);
    }

    private Verdict.RichCallData verify(Outcome source, List<String> claimed, Deadline deadline) {
        JsonNode claims = source.passport.claims();
        JsonNode rcd = claims.get("rcd");
        String name = rcd == null ? null : PassportCheck.text(rcd.get("nam"));
        JsonNode crnNode = claims.get("crn");
        String crn = PassportCheck.text(crnNode);
        String invalid = invalid(rcd, crnNode);
        if (invalid != null) {
            return result(false, name, crn, source, "rcd_invalid", claimed, List.of());
        }
        JsonNode rcdi = claims.get("rcdi");
        if (rcdi == null) {
            return result(true, name, crn, source, null, claimed, List.of());
        }
        if (!rcdi.isObject() || rcdi.isEmpty() || rcdi.size() > MAX_RCDI) {
            return result(false, name, crn, source, "rcdi_invalid", claimed, List.of());
        }
        if (rcd == null) {
            return result(false, name, crn, source, "rcdi_invalid", claimed, List.of()); // rcdi without rcd
        }
        for (String key : List.of("icn", "jcl")) {
            if (rcd.has(key) && !rcdi.has("/" + key)) {
                return result(false, name, crn, source, "rcdi_incomplete", claimed, List.of());
            }
        }
        Integrity run = new Integrity(rcd, budget(deadline));
        for (Iterator<Map.Entry<String, JsonNode>> it = rcdi.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            String p = run.check(e.getKey(), e.getValue());
            if (p != null) {
                return result(false, name, crn, source, p, claimed, run.results);
            }
        }
        return result(true, name, crn, source, null, claimed, run.results);
    }

    /** Why the rcd / crn claims are malformed, or null. */
    private static String invalid(JsonNode rcd, JsonNode crn) {
        if (crn != null && (!crn.isTextual() || !printable(crn.textValue(), MAX_REASON))) {
            return "crn";
        }
        if (rcd == null) {
            return null;
        }
        if (!rcd.isObject()) {
            return "rcd";
        }
        JsonNode nam = rcd.get("nam");
        if (nam != null && (!nam.isTextual() || nam.textValue().isBlank() || !printable(nam.textValue(), MAX_NAME))) {
            return "nam";
        }
        if (rcd.has("jcd") && rcd.has("jcl")) {
            return "jcd and jcl";
        }
        for (String key : List.of("icn", "jcl")) {
            JsonNode u = rcd.get(key);
            if (u != null && (!u.isTextual() || !https(u.textValue()))) {
                return key;
            }
        }
        JsonNode jcd = rcd.get("jcd");
        if (jcd != null && !jcd.isArray()) {
            return "jcd";
        }
        JsonNode apn = rcd.get("apn");
        if (apn != null && (!apn.isTextual() || !printable(apn.textValue(), 64))) {
            return "apn";
        }
        return null;
    }

    /** The rcdi entries of one call, checked in order; fetched content is shared between them. */
    private final class Integrity {
        final JsonNode rcd;
        final Deadline deadline;
        final List<Verdict.RcdIntegrity> results = new ArrayList<>();
        final Map<String, byte[]> fetched = new HashMap<>();
        JsonNode jcl;

        Integrity(JsonNode rcd, Deadline deadline) {
            this.rcd = rcd;
            this.deadline = deadline;
        }

        /** Null when the entry's digest matches, else the problem. */
        String check(String pointerText, JsonNode digestNode) {
            IntegrityDigest digest = digestNode.isTextual() ? IntegrityDigest.parse(digestNode.textValue()) : null;
            JsonPointer pointer;
            try {
                pointer = JsonPointer.parse(pointerText);
            } catch (IllegalArgumentException e) {
                pointer = null;
            }
            if (digest == null || pointer == null || pointer.tokens().isEmpty()) {
                return record(pointerText, null, "invalid", "rcdi_invalid");
            }
            String root = pointer.tokens().get(0);
            if (!root.equals("icn") && !root.equals("jcd") && !root.equals("jcl")) {
                return record(pointerText, null, "unsupported", "rcdi_unsupported");
            }
            JsonNode target;
            if (root.equals("jcl") && pointer.tokens().size() > 1) {
                String p = loadJcl();
                if (p != null) {
                    return record(pointerText, PassportCheck.text(rcd.get("jcl")), p.equals("rcdi_unavailable")
                            ? "unavailable" : "invalid", p);
                }
                target = pointer.tail().resolve(jcl);
            } else {
                target = pointer.resolve(rcd);
            }
            if (target == null) {
                return record(pointerText, null, "invalid", "rcdi_invalid");
            }
            if (target.isTextual() && https(target.textValue())) {
                String url = target.textValue();
                byte[] body = fetch(url);
                if (body == null) {
                    return record(pointerText, url, "unavailable", "rcdi_unavailable");
                }
                return digest.matches(body) ? record(pointerText, url, "match", null)
                        : record(pointerText, url, "mismatch", "rcdi_mismatch");
            }
            byte[] canonical;
            try {
                canonical = CanonicalJson.bytes(target);
            } catch (IllegalArgumentException e) {
                return record(pointerText, null, "unsupported", "rcdi_unsupported");
            }
            return digest.matches(canonical) ? record(pointerText, null, "match", null)
                    : record(pointerText, null, "mismatch", "rcdi_mismatch");
        }

        private String loadJcl() {
            if (jcl != null) {
                return null;
            }
            String url = PassportCheck.text(rcd.get("jcl"));
            byte[] body = url == null ? null : fetch(url);
            if (body == null) {
                return url == null ? "rcdi_invalid" : "rcdi_unavailable";
            }
            try {
                jcl = Passport.json(body, "jCard at jcl");
                return null;
            } catch (PassportException e) {
                return "rcdi_invalid";
            }
        }

        private byte[] fetch(String url) {
            if (fetched.containsKey(url)) {
                return fetched.get(url);
            }
            byte[] body = null;
            if (fetched.size() < MAX_FETCHES) {
                try {
                    body = content.content(url, deadline);
                } catch (CredentialException e) {
                    body = null;
                }
            }
            fetched.put(url, body);
            return body;
        }

        private String record(String pointer, String url, String result, String problem) {
            results.add(new Verdict.RcdIntegrity(cut(pointer), url == null ? null : cut(url), result));
            return problem;
        }
    }

    /** The call's deadline less a reserve for what follows RCD (policy, audit, the answer to Asterisk). */
    private static Deadline budget(Deadline deadline) {
        Duration left = deadline.remaining();
        Duration reserve = left.dividedBy(4).compareTo(RESERVE) < 0 ? left.dividedBy(4) : RESERVE;
        return deadline.atMost(left.minus(reserve));
    }

    private static Verdict.RichCallData result(boolean verified, String name, String crn, Outcome source,
            String problem, List<String> claimed, List<Verdict.RcdIntegrity> integrity) {
        return new Verdict.RichCallData(verified, name == null ? null : cut(name), crn == null ? null : cut(crn),
                source.index, problem, claimed, integrity);
    }

    private static boolean https(String s) {
        return s.length() <= 2048 && s.regionMatches(true, 0, "https://", 0, 8);
    }

    /** Non-empty, at most {@code max} characters, no C0/C1 control characters. */
    private static boolean printable(String s, int max) {
        if (s.isEmpty() || s.length() > max) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || (c >= 0x7f && c < 0xa0)) {
                return false;
            }
        }
        return true;
    }

    private static String cut(String s) {
        return s.length() <= MAX_NAME ? s : s.substring(0, MAX_NAME);
    }
}
