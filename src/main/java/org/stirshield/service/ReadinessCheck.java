package org.stirshield.service;

import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.stirshield.audit.HealthCheck;
import org.stirshield.audit.ReplayDetection;
import org.stirshield.policy.Policy;
import org.stirshield.policy.ReloadingPolicy;

/**
 * {@code /health/ready}: whether this instance can decide calls, for load balancers, orchestrators and the
 * on-call engineer. Ready when a policy is in force, trust anchors are loaded, the audit log can write (a full
 * disk loses every call's record: the calls are better sent to an instance that keeps them) and the instance is
 * not draining. The replay store is reported but never makes an instance unready: a store that does not answer
 * is a known, counted degradation (replay detection falls back to this instance's memory), not a reason to
 * send calls elsewhere. During the SIGTERM drain it answers 503 at once.
 */
final class ReadinessCheck implements HealthCheck {
    private final ReloadingPolicy policy;
    private final IntSupplier trustAnchors;
    private final String trustDir;
    private final ReplayDetection replay;
    private final Supplier<String> auditProblem;
    private final Supplier<String> fetchProblem;
    private volatile boolean draining;
    private volatile String lastReload = "ok";
    private volatile String lastTrustReload = "ok";

    /**
     * @param auditProblem why audit records cannot be written now, or null ({@code AuditLog::degraded})
     * @param fetchProblem why no certificate can be fetched (the TLS trust store, built after start-up, failed), or
     *     null
     */
    ReadinessCheck(ReloadingPolicy policy, IntSupplier trustAnchors, String trustDir, ReplayDetection replay,
            Supplier<String> auditProblem, Supplier<String> fetchProblem) {
        this.policy = policy;
        this.fetchProblem = fetchProblem;
        this.auditProblem = auditProblem;
        this.trustAnchors = trustAnchors;
        this.trustDir = trustDir;
        this.replay = replay;
        policy.addListener((ok, detail) -> lastReload = ok ? "ok" : "refused (" + detail + "), previous policy in force");
    }

    /**
     * A SIGHUP reload of the trust set: a refused one is reported, never makes the instance unready (the
     * previous set is still in force and decides calls as before).
     */
    void trustReloaded(boolean ok, String why) {
        lastTrustReload = ok ? "ok" : "refused (" + why + "), previous trust anchors, CRL files and pinned"
                + " certificates in force";
    }

    /** From now on: not ready (the instance is draining; new calls must go to the others). */
    void drain() {
        draining = true;
    }

    boolean draining() {
        return draining;
    }

    @Override
    public HealthCheck.Readiness check() {
        Policy p = policy.current();
        int anchors = trustAnchors.getAsInt();
        String audit = auditProblem.get();
        String fetch = fetchProblem.get();
        boolean ready = !draining && p != null && anchors > 0 && audit == null && fetch == null;
        StringBuilder b = new StringBuilder(ready ? "ready\n" : "not ready\n");
        if (draining) {
            b.append("draining: yes (SIGTERM: calls in flight finish, new calls go to the other instances)\n");
        }
        b.append("policy: ").append(p == null ? "none loaded" : "loaded, " + p.summary())
                .append("; last reload ").append(lastReload).append('\n');
        b.append("trust_anchors: ").append(anchors > 0 ? anchors + " loaded"
                : "none in " + trustDir + " (every signed call would fail)").append("; last reload ")
                .append(lastTrustReload).append('\n');
        if (fetch != null) {
            b.append("certificate_fetch: ").append(fetch).append(" (every call needing a fetch fails)\n");
        }
        b.append("replay: ").append(replay.describe()).append('\n');
        b.append("audit: ").append(audit == null ? "writing" : audit + " (records are counted as dropped)").append('\n');
        return new HealthCheck.Readiness(ready, b.toString());
    }
}
