package org.stirshield.policy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.stirshield.verify.CallAttempt;
import org.stirshield.verify.Reason;
import org.stirshield.verify.Verdict;

/**
 * One loaded policy file: the protected numbers and the named policies that apply to them. Immutable
 * and thread-safe; {@link PolicyLoader} builds it, {@link ReloadingPolicy} swaps it.
 *
 * <p>Rules for a protected caller TN, in this order (the first that fires decides):
 * <ol>
 *   <li>{@code inbound_only}: reject, reason {@code inbound_only}, signed or not;</li>
 *   <li>origin: the call's trunk is in {@code deny_trunks}, or {@code allow_trunks} is set and the trunk is
 *       not in it (or unknown): reject, reason {@code origin_not_allowed};</li>
 *   <li>no Identity: {@code on_missing_identity}, reason {@code missing_identity} (or the verdict's), 428;</li>
 *   <li>verification failed: {@code on_infrastructure_error} when {@link Reason#infrastructure()}, else
 *       {@code on_failure}; the verdict's reason and SIP code;</li>
 *   <li>verified, but replayed ({@code replayCount > 0}): {@code on_failure}, reason {@code replayed_passport}, 438;</li>
 *   <li>verified, but the signer is not pinned: {@code on_failure}, reason {@code signer_not_allowed};</li>
 *   <li>verified, but attestation below {@code min_attest}: {@code on_failure}, reason {@code attest_below_minimum};</li>
 *   <li>otherwise allow, reason {@code verified}, caller name = agency name if {@code verified_name}.</li>
 * </ol>
 * Then, for any call, two rules that apply when they are stricter than the decision so far:
 * <ul>
 *   <li>a forwarded call (DIV-01: verified through div PASSporTs, or History-Info / Diversion show a
 *       retarget) presenting a protected number: {@code on_forwarded}, reason {@code forwarded_not_allowed};</li>
 *   <li>a call presenting a pinned name ({@code names:}, in its Rich Call Data or its caller name) from a
 *       number that is not one of that agency's protected numbers: {@code names.on_spoof}, reason
 *       {@code name_spoofed}, verified or not ({@link NamePins}).</li>
 * </ul>
 * Policy rejections (1, 2, 6, 7, forwarded, names) carry {@link #rejectSipCode()} (603 Decline by default).
 */
public final class Policy implements PolicyEngine {
    public static final String VERIFIED = "verified";
    public static final String INBOUND_ONLY = "inbound_only";
    public static final String ORIGIN_NOT_ALLOWED = "origin_not_allowed";
    public static final String SIGNER_NOT_ALLOWED = "signer_not_allowed";
    public static final String ATTEST_BELOW_MINIMUM = "attest_below_minimum";
    public static final String REPLAYED_PASSPORT = "replayed_passport";
    public static final String FORWARDED_NOT_ALLOWED = "forwarded_not_allowed";
    public static final String NAME_SPOOFED = "name_spoofed";
    /** The {@link ProtectedMatch#policy()} of a decision taken by the {@code names:} section. */
    public static final String NAMES_POLICY = "names";
    /** SIP code for a replayed PASSporT: 438 Invalid Identity Header (it is not valid for this call). */
    public static final int REPLAY_SIP_CODE = 438;
    /** Caller names are cut to this many characters (hostile input, CALLERID(name) limits). */
    static final int MAX_NAME = 80;

    private final NumberTable table;
    private final Map<String, PolicyRule> rules;
    private final PolicyRule unprotected;
    private final int rejectSipCode;
    private final NamePins names;
    private final List<Path> sources;
    private final String summary;

    Policy(NumberTable table, Map<String, PolicyRule> rules, PolicyRule unprotected, int rejectSipCode, NamePins names,
            List<Path> sources, String summary) {
        this.table = table;
        this.rules = Map.copyOf(rules);
        this.unprotected = unprotected;
        this.rejectSipCode = rejectSipCode;
        this.names = names;
        this.sources = List.copyOf(sources);
        this.summary = summary;
    }

    @Override
    public ProtectedMatch lookup(String canonicalTn) {
        return table.lookup(canonicalTn);
    }

    /** The named policies. */
    public Map<String, PolicyRule> rules() {
        return rules;
    }

    /** The rule for numbers that match no protected entry. */
    public PolicyRule unprotected() {
        return unprotected;
    }

    /** The SIP code of policy rejections: 603 (default), 403 or 608. */
    public int rejectSipCode() {
        return rejectSipCode;
    }

    /** Number of protected entries (exact numbers, prefixes and ranges; duplicates once). */
    public int size() {
        return table.size();
    }

    /** The files this policy was read from (the YAML first, then its CSVs); empty for the embedded default. */
    public List<Path> sources() {
        return sources;
    }

    /** One line: where it came from and how many entries and policies it holds. */
    public String summary() {
        return summary;
    }

    NumberTable table() {
        return table;
    }

    /** The pinned names ({@code names:}). */
    NamePins names() {
        return names;
    }

    @Override
    public Decision decide(CallAttempt call, Verdict verdict, int replayCount, String originalName) {
        String tn = verdict.callerTn() != null ? verdict.callerTn() : call == null ? null : fallbackTn(call.callerTn());
        ProtectedMatch match = tn == null ? null : table.lookup(tn);
        if (match == null) {
            return names(unprotectedDecision(call, verdict, replayCount, originalName, tn), originalName);
        }
        PolicyRule rule = rules.get(match.policy());
        Decision d = protectedDecision(call, verdict, replayCount, originalName, tn, match, rule);
        if (verdict.forwarded() && rule.onForwarded().stricterThan(d.action())) {
            d = failure(call, verdict, match, rule, "FAIL", rule.onForwarded(), FORWARDED_NOT_ALLOWED, rejectSipCode,
                    replayCount, originalName, tn);
        }
        return names(d, originalName);
    }

    /**
     * The {@code names:} rule: a presented name pinned to an agency is a spoof unless the call presents one of
     * that agency's protected numbers (whose own policy then decides: verified, unsigned or failed). Applies
     * when {@code on_spoof} is stricter than {@code d}.
     */
    private Decision names(Decision d, String originalName) {
        if (names.isEmpty() || !names.onSpoof().stricterThan(d.action())) {
            return d;
        }
        Verdict v = d.verdict();
        List<String> presented = new java.util.ArrayList<>();
        if (v != null && v.rcd() != null) {
            presented.addAll(v.rcd().claimedNames());
        }
        if (names.checkCallerName() && originalName != null) {
            presented.add(originalName);
        }
        for (String name : presented) {
            NamePins.Pin pin = names.match(name);
            if (pin == null) {
                continue;
            }
            // The agency's own number: its policy already decided (verified, unsigned, failed); the name adds
            // nothing. Any other number presenting the name is a spoof, verified or not.
            boolean agencysNumber = d.match() != null && d.match().agency().equalsIgnoreCase(pin.agency());
            if (!agencysNumber) {
                ProtectedMatch impersonated = new ProtectedMatch("name: " + pin.name(), pin.agency(), NAMES_POLICY);
                return new Decision(d.call(), v, impersonated, "FAIL", names.onSpoof(), NAME_SPOOFED, rejectSipCode,
                        names.onSpoof() == Action.TAG ? tagged(names.tag(), originalName) : null, d.replayCount());
            }
        }
        return d;
    }

    private Decision protectedDecision(CallAttempt call, Verdict verdict, int replayCount, String originalName, String tn,
            ProtectedMatch match, PolicyRule rule) {
        Verdict.Status vs = verdict.status();
        String failStatus = vs == Verdict.Status.PASS ? "FAIL" : vs.name();
        if (rule.inboundOnly()) {
            return new Decision(call, verdict, match, failStatus, Action.REJECT, INBOUND_ONLY, rejectSipCode, null,
                    replayCount);
        }
        if (!rule.originAllowed(call == null ? null : call.trunk())) {
            return new Decision(call, verdict, match, failStatus, Action.REJECT, ORIGIN_NOT_ALLOWED, rejectSipCode,
                    null, replayCount);
        }
        return switch (vs) {
            case NO_IDENTITY -> failure(call, verdict, match, rule, "NO_IDENTITY", rule.onMissingIdentity(),
                    missingReason(verdict), 428, replayCount, originalName, tn);
            case FAIL -> failure(call, verdict, match, rule, "FAIL", failAction(rule, verdict), reasonCode(verdict),
                    verdict.sipCode(), replayCount, originalName, tn);
            case PASS -> {
                if (replayCount > 0) {
                    yield failure(call, verdict, match, rule, "FAIL", rule.onFailure(), REPLAYED_PASSPORT,
                            REPLAY_SIP_CODE, replayCount, originalName, tn);
                }
                if (!rule.signerAllowed(verdict.spc(), verdict.certFingerprint())) {
                    yield failure(call, verdict, match, rule, "FAIL", rule.onFailure(), SIGNER_NOT_ALLOWED,
                            rejectSipCode, replayCount, originalName, tn);
                }
                if (!rule.attestAtLeastMinimum(verdict.attest())) {
                    yield failure(call, verdict, match, rule, "FAIL", rule.onFailure(), ATTEST_BELOW_MINIMUM,
                            rejectSipCode, replayCount, originalName, tn);
                }
                yield new Decision(call, verdict, match, "PASS", Action.ALLOW, VERIFIED, null,
                        rule.verifiedName() ? clean(match.agency()) : null, replayCount);
            }
        };
    }

    private Decision unprotectedDecision(CallAttempt call, Verdict verdict, int replayCount, String originalName,
            String tn) {
        PolicyRule rule = unprotected;
        return switch (verdict.status()) {
            case PASS -> replayCount > 0
                    ? notProtected(call, verdict, rule.onFailure(), REPLAYED_PASSPORT, REPLAY_SIP_CODE, rule, replayCount,
                            originalName, tn)
                    : new Decision(call, verdict, null, Decision.NOT_PROTECTED, Action.ALLOW, VERIFIED, null, null,
                            replayCount);
            case FAIL -> notProtected(call, verdict, failAction(rule, verdict), reasonCode(verdict), verdict.sipCode(),
                    rule, replayCount, originalName, tn);
            case NO_IDENTITY -> notProtected(call, verdict, rule.onMissingIdentity(), missingReason(verdict), 428, rule,
                    replayCount, originalName, tn);
        };
    }

    private static Decision notProtected(CallAttempt call, Verdict verdict, Action action, String reason,
            Integer sipCode, PolicyRule rule, int replayCount, String originalName, String tn) {
        return new Decision(call, verdict, null, Decision.NOT_PROTECTED, action, reason, sipCode,
                action == Action.TAG ? tagged(rule.tag(), originalName) : null, replayCount);
    }

    private static Decision failure(CallAttempt call, Verdict verdict, ProtectedMatch match, PolicyRule rule,
            String status, Action action, String reason, Integer sipCode, int replayCount, String originalName,
            String tn) {
        return new Decision(call, verdict, match, status, action, reason, sipCode,
                action == Action.TAG ? tagged(rule.tag(), originalName) : null, replayCount);
    }

    private static Action failAction(PolicyRule rule, Verdict verdict) {
        return verdict.reason() != null && verdict.reason().infrastructure() ? rule.onInfrastructureError()
                : rule.onFailure();
    }

    private static String reasonCode(Verdict verdict) {
        return verdict.reason() == null ? Reason.NO_VALID_IDENTITY.code() : verdict.reason().code();
    }

    private static String missingReason(Verdict verdict) {
        return verdict.reason() == null ? Reason.MISSING_IDENTITY.code() : verdict.reason().code();
    }

    /**
     * The caller name for a tagged call: the tag followed by the received name; when there is none
     * ({@code null}, blank or Asterisk's {@code unknown}) the tag alone, which (ending in a space, as the
     * default {@code "[UNVERIFIED] "} does) tells the agi adapter to put it in front of the name
     * Asterisk presented.
     */
    static String tagged(String tag, String originalName) {
        String name = originalName == null ? "" : originalName.strip();
        if (name.equalsIgnoreCase("unknown")) {
            name = "";
        }
        return clean(tag + name);
    }

    /** Drops control characters and quotes (they would break the dialplan's Set()) and caps the length. */
    static String clean(String s) {
        StringBuilder sb = new StringBuilder(Math.min(s.length(), MAX_NAME));
        for (int i = 0; i < s.length() && sb.length() < MAX_NAME; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c != 0x7f && c != '"' && c != '\\') {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** Digits of a raw caller TN when the verdict carries no canonical one (should not happen). */
    private static String fallbackTn(String raw) {
        if (raw == null) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < raw.length() && sb.length() < 20; i++) {
            char c = raw.charAt(i);
            if (c >= '0' && c <= '9') {
                sb.append(c);
            }
        }
        return sb.isEmpty() ? null : sb.toString();
    }
}
