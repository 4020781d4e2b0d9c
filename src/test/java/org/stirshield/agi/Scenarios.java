package org.stirshield.agi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.stirshield.cert.Deadline;
import org.stirshield.policy.Action;
import org.stirshield.policy.Decision;
import org.stirshield.policy.ProtectedMatch;
import org.stirshield.service.CallScreener;
import org.stirshield.verify.CallAttempt;
import org.stirshield.verify.Reason;
import org.stirshield.verify.Verdict;

/**
 * The call scenarios of the FastAGI tests, in ONE place: the protected number, the Identity headers,
 * and a stand-in screener in plain code returning Decisions built from real Verdicts.
 *
 * <p>TODO(lead, integration): replace {@link #screener()} by the real pipeline (verifier + replay +
 * policy + audit) with a test PKI, and the headers by really signed PASSporTs; the expected variables in
 * the tests stay the same.
 */
final class Scenarios {
    /** A protected number: a consular hotline. */
    static final String PROTECTED_TN = "+861012308";
    /** Its owner; the comma, quotes and parentheses exercise the MSet escaping. */
    static final String AGENCY = "Ministry of Foreign Affairs, \"Global\" Consular Hotline (12308)";
    static final String CALLED_TN = "+8613800138000";
    static final String OTHER_TN = "+14155550100";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Pattern INFO = Pattern.compile(";info=<([^>]*)>");

    /** Recorded by the screener: every call it was asked about. */
    final ConcurrentLinkedQueue<CallAttempt> seen = new ConcurrentLinkedQueue<>();

    /** A PASSporT-shaped Identity header (RFC 8224 full form) claiming {@code origTn} → {@code destTn}. */
    static String identity(String origTn, String destTn, String x5u) {
        String header = b64("{\"alg\":\"ES256\",\"ppt\":\"shaken\",\"typ\":\"passport\",\"x5u\":\"" + x5u + "\"}");
        String claims = b64("{\"attest\":\"A\",\"dest\":{\"tn\":[\"" + digits(destTn) + "\"]},\"iat\":1763900000,"
                + "\"orig\":{\"tn\":\"" + digits(origTn) + "\"},\"origid\":\"4437c7eb-8f7a-4f0e-a863-f53a0e60251a\"}");
        return header + "." + claims + "." + b64("signature") + ";info=<" + x5u + ">;alg=ES256;ppt=shaken";
    }

    static String genuine() {
        return identity(PROTECTED_TN, CALLED_TN, "https://cert.example.cn/shaken.pem");
    }

    /** Signed for another number, presented with the protected one: the spoof. */
    static String spoofed() {
        return identity(OTHER_TN, CALLED_TN, "https://cert.example.net/shaken.pem");
    }

    static String malformed() {
        return "this-is-not-a-jws;info=<https://cert.example/a.pem>";
    }

    /** A header whose certificate is on a server that never answers. */
    static String slowCertificate(int port) {
        return identity(PROTECTED_TN, CALLED_TN, "http://127.0.0.1:" + port + "/shaken.pem");
    }

    /** Loads the test fetcher's classes (the first request of a JVM's HttpClient costs ~0.5 s more). */
    static void warmUpFetcher(int port) {
        try {
            HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/warm-up"))
                    .timeout(Duration.ofMillis(50)).build(), HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            // expected: the server never answers
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The stand-in for the real pipeline: verify (claims vs call), then policy for the protected number. */
    CallScreener screener() {
        return (call, deadline) -> {
            seen.add(call);
            Verdict v = verify(call, deadline);
            return decide(call, v);
        };
    }

    private Verdict verify(CallAttempt call, Deadline deadline) {
        if (call.identityHeaders().isEmpty()) {
            return verdict(call, Verdict.Status.NO_IDENTITY, null, Reason.MISSING_IDENTITY);
        }
        String h = call.identityHeaders().get(0);
        String[] parts = h.split(";", 2)[0].split("\\.");
        JsonNode hdr;
        JsonNode claims;
        try {
            if (parts.length != 3) {
                return verdict(call, Verdict.Status.FAIL, null, Reason.MALFORMED_IDENTITY);
            }
            hdr = JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
            claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
        } catch (IOException | IllegalArgumentException e) {
            return verdict(call, Verdict.Status.FAIL, null, Reason.MALFORMED_IDENTITY);
        }
        Matcher info = INFO.matcher(h);
        if (info.find() && info.group(1).startsWith("http://127.0.0.1:")) {
            // the certificate fetch, bounded by the call's deadline
            try {
                HTTP.send(HttpRequest.newBuilder(URI.create(info.group(1)))
                        .timeout(fetchBudget(deadline)).build(), HttpResponse.BodyHandlers.discarding());
            } catch (HttpTimeoutException e) {
                return verdict(call, Verdict.Status.FAIL, null, Reason.X5U_TIMEOUT);
            } catch (IOException e) {
                return verdict(call, Verdict.Status.FAIL, null, Reason.X5U_UNREACHABLE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return verdict(call, Verdict.Status.FAIL, null, Reason.X5U_TIMEOUT);
            }
        }
        if (!digits(call.callerTn()).equals(claims.path("orig").path("tn").asText())) {
            return verdict(call, Verdict.Status.FAIL, null, Reason.ORIG_MISMATCH);
        }
        return verdict(call, Verdict.Status.PASS, claims.path("attest").asText(), null);
    }

    /** The fetch gets the call's remaining time less what verification and policy need after it. */
    private static Duration fetchBudget(Deadline deadline) {
        Duration d = deadline.remaining().minusMillis(100);
        return d.compareTo(Duration.ofMillis(1)) < 0 ? Duration.ofMillis(1) : d;
    }

    private static Decision decide(CallAttempt call, Verdict v) {
        if (!PROTECTED_TN.equals(call.callerTn())) {
            return new Decision(call, v, null, Decision.NOT_PROTECTED, Action.ALLOW,
                    v.reason() == null ? "verified" : v.reason().code(), v.sipCode(), null, 0);
        }
        ProtectedMatch m = new ProtectedMatch(PROTECTED_TN, AGENCY, "government");
        return switch (v.status()) {
            case PASS -> new Decision(call, v, m, "PASS", Action.ALLOW, "verified", null, AGENCY, 0);
            case NO_IDENTITY -> new Decision(call, v, m, "NO_IDENTITY", Action.REJECT, v.reason().code(), v.sipCode(), null, 0);
            case FAIL -> v.reason().infrastructure()
                    ? new Decision(call, v, m, "FAIL", Action.TAG, v.reason().code(), v.sipCode(), "[UNVERIFIED] ", 0)
                    : new Decision(call, v, m, "FAIL", Action.REJECT, v.reason().code(), v.sipCode(), null, 0);
        };
    }

    private static Verdict verdict(CallAttempt call, Verdict.Status status, String attest, Reason reason) {
        return new Verdict(status, attest, reason, null, null, null, null, null, null, null, call.callerTn(),
                call.calledTn(), List.of());
    }

    /** The variables Asterisk must end up with for a call from the protected number, by outcome. */
    static Map<String, String> expectedPass() {
        return ordered("STIR_STATUS", "PASS", "STIR_ACTION", "allow", "STIR_ATTEST", "A",
                "STIR_VERSTAT", "TN-Validation-Passed", "STIR_SIP_CODE", "", "STIR_REASON", "verified",
                "STIR_AGENCY", AGENCY, "STIR_CALLER_NAME", AGENCY, "CALLERID(name)", AGENCY);
    }

    static Map<String, String> expectedReject(String status, String verstat, String reason, int sip) {
        return ordered("STIR_STATUS", status, "STIR_ACTION", "reject", "STIR_ATTEST", "", "STIR_VERSTAT", verstat,
                "STIR_SIP_CODE", Integer.toString(sip), "STIR_REASON", reason, "STIR_AGENCY", AGENCY);
    }

    static Map<String, String> ordered(String... kv) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    static String digits(String tn) {
        return tn == null ? "" : tn.replaceAll("[^0-9]", "");
    }

    private static String b64(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    static Duration seconds(int s) {
        return Duration.ofSeconds(s);
    }
}
