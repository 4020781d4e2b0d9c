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
import org.stirshield.verify.Verdict;

/**
 * A realistic day of audit records written through the real {@link AuditLog}: mostly ordinary traffic, a
 * spoofing campaign against protected numbers in the afternoon, and one genuinely signed PASSporT replayed.
 * Deterministic (seeded), so tests can compute the expected aggregates from what they asked for.
 */
final class SampleAudit {
    static final Instant START = Instant.parse("2026-11-23T00:00:00Z");
    static final List<String> PROTECTED = List.of("+861012308", "+861065961114", "+8610110", "+862112345");
    static final List<String> AGENCIES = List.of("Consular hotline", "Ministry of Foreign Affairs", "Police", "Shanghai PSB");
    static final String REPLAYED = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /** Counts of what was written. */
    static final class Written {
        int total;
        int spoofedByNumber[] = new int[PROTECTED.size()];
        int fail;
        int pass;
        int replayFlagged;
        int noIdentity;
        int perHour[] = new int[24];
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
                    d = fail(id, PROTECTED.get(p), AGENCIES.get(p), trunk, spc,
                            "https://cert." + (spc.equals("0666") ? "cheapvoip.example" : "relay.example") + "/sti.pem",
                            at, why);
                    w.spoofedByNumber[p]++;
                    w.fail++;
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
                } else if (rnd.nextDouble() < 0.03) {
                    int p = rnd.nextInt(PROTECTED.size());
                    d = noIdentity(id, PROTECTED.get(p), AGENCIES.get(p));
                    w.noIdentity++;
                } else {
                    d = Fixtures.unprotected(id);
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
        CallAttempt call = new CallAttempt(caller, "+81312345678", List.of("x"), null, trunk, id, "PJSIP/" + trunk + "-0001");
        Verdict v = new Verdict(Verdict.Status.FAIL, null, why, x5u, "origid-" + spc, spc, "cd".repeat(32),
                at.getEpochSecond() - 2, null, null, caller, "+81312345678",
                List.of(new Verdict.HeaderResult(0, "shaken", why, "A", x5u, "x")));
        return new Decision(call, v, new ProtectedMatch(caller, agency, "strict"), "FAIL", Action.REJECT, why.code(),
                why.sipCode(), null, 0);
    }

    static Decision noIdentity(String id, String caller, String agency) {
        CallAttempt call = new CallAttempt(caller, "+81312345678", List.of(), null, "carrier-b", id, "PJSIP/carrier-b-1");
        Verdict v = new Verdict(Verdict.Status.NO_IDENTITY, null, Reason.MISSING_IDENTITY, null, null, null, null, null,
                null, null, caller, "+81312345678", List.of());
        return new Decision(call, v, new ProtectedMatch(caller, agency, "lenient"), "NO_IDENTITY", Action.TAG,
                "missing_identity", 428, "[UNVERIFIED] " + agency, 0);
    }

    static Decision pass(String id, String caller, String agency, Instant at, String digest, int replayCount) {
        CallAttempt call = new CallAttempt(caller, "+81312345678", List.of("x"), null, "carrier-a", id, "PJSIP/carrier-a-1");
        Verdict v = new Verdict(Verdict.Status.PASS, "A", null, "https://cert.carrier-a.example/a.pem", "origid-A", "7A3C",
                "ab".repeat(32), at.getEpochSecond() - 1, digest, true, caller, "+81312345678", List.of());
        return new Decision(call, v, new ProtectedMatch(caller, agency, "strict"), "PASS", Action.ALLOW, "verified",
                null, agency, replayCount);
    }
}
