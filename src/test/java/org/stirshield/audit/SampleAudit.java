package org.stirshield.audit;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import org.stirshield.policy.Action;
import org.stirshield.policy.Decision;
import org.stirshield.policy.ProtectedMatch;
import org.stirshield.verify.CallAttempt;
import org.stirshield.verify.Reason;
import org.stirshield.verify.SipRequest;
import org.stirshield.verify.Verdict;

/**
 * A realistic day of audit records written through the real {@link AuditLog}: mostly ordinary traffic, a
 * spoofing campaign against protected numbers in the afternoon, and one genuinely signed PASSporT replayed.
 * Records look like the verifier's: canonical TNs without {@code +}, the SIP evidence of each INVITE (Call-ID,
 * source, From, P-Asserted-Identity, Identity header). Deterministic (seeded), so tests can compute the
 * expected aggregates from what they asked for.
 */
final class SampleAudit {
    static final Instant START = Instant.parse("2026-11-23T00:00:00Z");
    static final List<String> PROTECTED = List.of("+861012308", "+861065961114", "+8610110", "+862112345");
    static final List<String> AGENCIES = List.of("Consular hotline", "Ministry of Foreign Affairs", "Police", "Shanghai PSB");
    static final String REPLAYED = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    /** The people the campaign calls (canonical TNs). */
    static final List<String> VICTIMS = List.of("81312345678", "81312345679", "81698765432", "81455551234",
            "81120000001");

    /** Counts of what was written. */
    static final class Written {
        int total;
        int spoofedByNumber[] = new int[PROTECTED.size()];
        int fail;
        int pass;
        int replayFlagged;
        int noIdentity;
        int perHour[] = new int[24];
        int spoofedByVictim[] = new int[VICTIMS.size()];
        /** Spoofing attempts by agency (index as AGENCIES) and UTC hour. */
        int spoofedByAgencyHour[][] = new int[AGENCIES.size()][24];
        /** Spoofing attempts on trunk intl-gw-3, by UTC hour. */
        int intlGwByHour[] = new int[24];
        /** Spoofing attempts signed by SPC 0666 (x5u host cert.cheapvoip.example). */
        int spc0666;
        int protectedCalls;
        int unprotectedCalls;
    }

    private SampleAudit() {
    }

    static Written write(Path file, int calls, long seed) throws IOException {
        Random rnd = new Random(seed);
        Written w = new Written();
        ReplayDetector replay = new ReplayDetector(Duration.ofSeconds(60), 10_000);
        try (AuditLog log = AuditLog.open(AuditSettings.defaults(file))) {
            for (int i = 0; i < calls; i++) {
                // more traffic in the day, a campaign between 13:00 and 17:00
                int hour;
                do {
                    hour = rnd.nextInt(24);
                } while (rnd.nextDouble() > (hour >= 8 && hour <= 20 ? 1.0 : 0.25));
                Instant at = START.plusSeconds(hour * 3600L + rnd.nextInt(3600));
                boolean campaign = hour >= 13 && hour <= 17 && rnd.nextDouble() < 0.45;
                Decision d;
                String id = "17639" + String.format("%05d", i) + "." + i;
                if (campaign) {
                    int p = Math.min(PROTECTED.size() - 1, (int) Math.floor(Math.abs(rnd.nextGaussian()) * 1.3));
                    String trunk = rnd.nextDouble() < 0.7 ? "intl-gw-3" : "sip-wholesale-" + rnd.nextInt(3);
                    String spc = rnd.nextDouble() < 0.6 ? "0666" : "1F2B";
                    Reason why = rnd.nextDouble() < 0.6 ? Reason.BAD_SIGNATURE
                            : rnd.nextDouble() < 0.5 ? Reason.TN_NOT_AUTHORIZED : Reason.STALE_IAT;
                    int victim = rnd.nextInt(VICTIMS.size());
                    d = fail(id, PROTECTED.get(p), AGENCIES.get(p), trunk, spc,
                            "https://cert." + (spc.equals("0666") ? "cheapvoip.example" : "relay.example") + "/sti.pem",
                            at, why, VICTIMS.get(victim), rnd.nextInt(250));
                    w.spoofedByNumber[p]++;
                    w.spoofedByVictim[victim]++;
                    w.spoofedByAgencyHour[p][hour]++;
                    if (trunk.equals("intl-gw-3")) {
                        w.intlGwByHour[hour]++;
                    }
                    if (spc.equals("0666")) {
                        w.spc0666++;
                    }
                    w.fail++;
                    w.protectedCalls++;
                } else if (rnd.nextDouble() < 0.12) {
                    int p = rnd.nextInt(PROTECTED.size());
                    boolean replayed = hour == 15 && rnd.nextDouble() < 0.5;
                    String digest = replayed ? REPLAYED : Long.toHexString(rnd.nextLong());
                    int count = replay.observe(digest, id, at);
                    d = pass(id, PROTECTED.get(p), AGENCIES.get(p), at, digest, count);
                    if (count > 0) {
                        w.replayFlagged++;
                    }
                    w.pass++;
                    w.protectedCalls++;
                } else if (rnd.nextDouble() < 0.03) {
                    int p = rnd.nextInt(PROTECTED.size());
                    d = noIdentity(id, PROTECTED.get(p), AGENCIES.get(p));
                    w.noIdentity++;
                    w.protectedCalls++;
                } else {
                    d = Fixtures.unprotected(id);
                    w.unprotectedCalls++;
                }
                log.record(d, new StageTimings(200 + rnd.nextInt(900), 5 + rnd.nextInt(20), 260 + rnd.nextInt(1200)), at);
                w.total++;
                w.perHour[hour]++;
            }
        }
        return w;
    }

    static Decision fail(String id, String caller, String agency, String trunk, String spc, String x5u, Instant at,
            Reason why) {
        return fail(id, caller, agency, trunk, spc, x5u, at, why, "81312345678", 7);
    }

    /** A spoofing attempt with its INVITE's evidence; {@code caller} as configured ({@code +E.164}). */
    static Decision fail(String id, String caller, String agency, String trunk, String spc, String x5u, Instant at,
            Reason why, String victim, int source) {
        String tn = caller.startsWith("+") ? caller.substring(1) : caller;
        SipRequest sip = new SipRequest("call-" + id + "@" + trunk + ".example", "203.0.113." + source + ":5060",
                "<sip:" + caller + "@" + trunk + ".example>;tag=" + id, List.of("<sip:" + caller + "@" + trunk + ".example>"),
                List.of(), List.of());
        CallAttempt call = new CallAttempt(caller, "0" + victim.substring(2), List.of(identity(x5u)), null, trunk, id,
                "PJSIP/" + trunk + "-0001", null, sip);
        Verdict v = new Verdict(Verdict.Status.FAIL, null, why, x5u, "origid-" + spc + "-" + id, spc,
                spc.equals("0666") ? "cd".repeat(32) : "ef".repeat(32), at.getEpochSecond() - 2, null, null,
                caller.startsWith("+") ? tn : caller, victim,
                List.of(new Verdict.HeaderResult(0, "shaken", why, "A", x5u, "x")));
        return new Decision(call, v, new ProtectedMatch(caller, agency, "strict"), "FAIL", Action.REJECT, why.code(),
                why.sipCode(), null, 0);
    }

    /** An Identity header value of the shape carriers send. */
    static String identity(String x5u) {
        return "eyJhbGciOiJFUzI1NiIsInBwdCI6InNoYWtlbiIsInR5cCI6InBhc3Nwb3J0IiwieDV1Ijoi"
                + "aHR0cHMifQ.eyJhdHRlc3QiOiJBIiwiaWF0IjoxNzYzOTAwMDAwfQ.MEUCIQD;info=<" + x5u + ">;alg=ES256;ppt=shaken";
    }

    static Decision noIdentity(String id, String caller, String agency) {
        CallAttempt call = new CallAttempt(caller, "+81312345678", List.of(), null, "carrier-b", id, "PJSIP/carrier-b-1");
        Verdict v = new Verdict(Verdict.Status.NO_IDENTITY, null, Reason.MISSING_IDENTITY, null, null, null, null, null,
                null, null, caller.substring(1), "81312345678", List.of());
        return new Decision(call, v, new ProtectedMatch(caller, agency, "lenient"), "NO_IDENTITY", Action.TAG,
                "missing_identity", 428, "[UNVERIFIED] " + agency, 0);
    }

    static Decision pass(String id, String caller, String agency, Instant at, String digest, int replayCount) {
        String x5u = "https://cert.carrier-a.example/a.pem";
        CallAttempt call = new CallAttempt(caller, "+81312345678", List.of(identity(x5u)), null, "carrier-a", id,
                "PJSIP/carrier-a-1", null, new SipRequest("c" + id + "@carrier-a.example", "198.51.100.10:5060",
                        "<sip:" + caller + "@carrier-a.example>", List.of(), List.of(), List.of()));
        Verdict v = new Verdict(Verdict.Status.PASS, "A", null, x5u, "origid-A", "7A3C",
                "ab".repeat(32), at.getEpochSecond() - 1, digest, true, caller.substring(1), "81312345678", List.of());
        return new Decision(call, v, new ProtectedMatch(caller, agency, "strict"), "PASS", Action.ALLOW, "verified",
                null, agency, replayCount);
    }
}
