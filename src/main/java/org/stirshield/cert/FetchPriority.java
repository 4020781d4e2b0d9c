package org.stirshield.cert;

/**
 * Which certificate fetches go first when fetch slots are short: those for calls whose caller ID claims a
 * protected number (the calls a spoofer most wants unverified), then the rest. The policy says which calls
 * those are; the service asks it before verifying.
 */
public enum FetchPriority {
    /** The call claims a protected number: its fetch is queued ahead and may use the reserved slots. */
    PROTECTED_CALLER,
    /** Any other call. */
    ORDINARY
}
