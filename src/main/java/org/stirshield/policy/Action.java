package org.stirshield.policy;

/** What the dialplan does with a call (STIR_ACTION). */
public enum Action {
    /** Let the call through unchanged. */
    ALLOW,
    /** Let it through, but mark the caller name (e.g. "[UNVERIFIED] ") so the callee is warned. */
    TAG,
    /** Refuse the call with {@link Decision#sipCode()}. */
    REJECT;

    private final String token = name().toLowerCase(java.util.Locale.ROOT);

    /** Whether this action is stricter than {@code other} (allow &lt; tag &lt; reject). */
    public boolean stricterThan(Action other) {
        return other == null || ordinal() > other.ordinal();
    }

    /** The value written to STIR_ACTION: allow, tag or reject. */
    public String token() {
        return token; // asked for every call's audit record and metrics: computed once
    }
}
