package org.stirshield.policy;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code check-config} prints about a valid policy: entries per agency, per policy and per kind,
 * duplicates, and entries that override a less specific entry of a different agency or policy
 * (an exact number or longer prefix under a prefix, a number or range inside a range).
 */
public final class PolicyReport {
    /** At most this many overridden/redundant entries are listed one by one. */
    static final int MAX_LISTED = 50;

    private final Policy policy;
    private final Map<String, Integer> perAgency = new TreeMap<>();
    private final Map<String, Integer> perPolicy = new TreeMap<>();
    private final Map<String, Integer> perKind = new TreeMap<>();
    private final List<String> warnings;
    private final List<String> overrides = new ArrayList<>();
    private int overrideCount;
    private int redundantCount;
    private final List<String> redundant = new ArrayList<>();

    private PolicyReport(Policy policy, List<String> warnings) {
        this.policy = policy;
        this.warnings = List.copyOf(warnings);
    }

    static PolicyReport analyse(Policy policy, List<NumberEntry> entries, List<String> warnings) {
        PolicyReport r = new PolicyReport(policy, warnings);
        NumberTable t = policy.table();
        for (NumberEntry e : entries) {
            String agency = t.agency(e.group());
            String pol = t.policy(e.group());
            r.perAgency.merge(agency, 1, Integer::sum);
            r.perPolicy.merge(pol, 1, Integer::sum);
            r.perKind.merge(e.kind().name().toLowerCase(java.util.Locale.ROOT), 1, Integer::sum);
            int l = e.start().length();
            ProtectedMatch cover = switch (e.kind()) {
                case EXACT -> {
                    ProtectedMatch inRange = t.rangeMatch(e.start());
                    yield inRange != null ? inRange : t.longestPrefix(e.start(), l);
                }
                case PREFIX -> l > 1 ? t.longestPrefix(e.start(), l - 1) : null;
                case RANGE -> {
                    ProtectedMatch outer = t.enclosingRange(e.start(), e.end());
                    if (outer == null) {
                        outer = t.longestPrefix(e.start(), l);
                        if (outer != null) {
                            String p = outer.entry().substring(0, outer.entry().length() - 1);
                            if (!e.end().startsWith(p)) {
                                r.warn(e.where() + ": range " + e.text() + " only partly lies under prefix "
                                        + outer.entry() + " (" + outer.agency() + " / " + outer.policy() + ")");
                                outer = null;
                            }
                        }
                    }
                    yield outer;
                }
            };
            if (cover != null) {
                String line = e.where() + ": " + e.text() + " (" + agency + " / " + pol + ") ";
                if (cover.agency().equals(agency) && cover.policy().equals(pol)) {
                    r.redundantCount++;
                    if (r.redundant.size() < MAX_LISTED) {
                        r.redundant.add(line + "is already covered by " + cover.entry());
                    }
                } else {
                    r.overrideCount++;
                    if (r.overrides.size() < MAX_LISTED) {
                        r.overrides.add(line + "shadows " + cover.entry() + " (" + cover.agency() + " / "
                                + cover.policy() + ") for its numbers");
                    }
                }
            }
        }
        return r;
    }

    private void warn(String w) {
        overrides.add(w);
    }

    public Policy policy() {
        return policy;
    }

    /** Load warnings: duplicates and unused policies ({@code file:line: message}). */
    public List<String> warnings() {
        return warnings;
    }

    /** How many entries give a different agency or policy to part of a less specific entry. */
    public int overrideCount() {
        return overrideCount;
    }

    /** How many entries are already covered by a less specific entry of the same agency and policy. */
    public int redundantCount() {
        return redundantCount;
    }

    public Map<String, Integer> perAgency() {
        return perAgency;
    }

    public Map<String, Integer> perPolicy() {
        return perPolicy;
    }

    /** Writes the human-readable summary. */
    public void print(PrintWriter out) {
        out.println("OK " + policy.summary());
        out.println("entries by kind: " + perKind);
        out.println("entries per agency:");
        perAgency.forEach((k, v) -> out.printf("  %8d  %s%n", v, k));
        out.println("entries per policy:");
        perPolicy.forEach((k, v) -> out.printf("  %8d  %s%s%n", v, k, describe(policy.rules().get(k))));
        PolicyRule u = policy.unprotected();
        out.println("unprotected numbers: on_failure " + u.onFailure().token() + ", on_missing_identity "
                + u.onMissingIdentity().token() + ", on_infrastructure_error " + u.onInfrastructureError().token());
        out.println("policy rejections answer SIP " + policy.rejectSipCode());
        out.println("duplicates and other warnings: " + warnings.size());
        warnings.stream().limit(MAX_LISTED).forEach(w -> out.println("  warning: " + w));
        out.println("overlaps (entries shadowing a less specific entry of another agency/policy): " + overrideCount);
        overrides.forEach(w -> out.println("  overlap: " + w));
        out.println("redundant entries (covered by an entry of the same agency/policy): " + redundantCount);
        redundant.forEach(w -> out.println("  redundant: " + w));
        out.flush();
    }

    private static String describe(PolicyRule r) {
        if (r == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(" [");
        if (r.inboundOnly()) {
            sb.append("inbound_only");
        } else {
            sb.append("min_attest ").append(r.minAttest());
            if (!r.allowedSpcs().isEmpty() || !r.allowedFingerprints().isEmpty()) {
                sb.append(", signers ").append(r.allowedSpcs().size() + r.allowedFingerprints().size());
            }
            sb.append(", on_failure ").append(r.onFailure().token())
                    .append(", on_missing_identity ").append(r.onMissingIdentity().token())
                    .append(", on_infrastructure_error ").append(r.onInfrastructureError().token());
        }
        if (!r.denyTrunks().isEmpty()) {
            sb.append(", deny_trunks ").append(r.denyTrunks());
        }
        if (!r.allowTrunks().isEmpty()) {
            sb.append(", allow_trunks ").append(r.allowTrunks());
        }
        return sb.append(']').toString();
    }
}
