package org.stirshield.passport;

import org.stirshield.verify.Reason;

/** An Identity header or PASSporT failed a check; {@link #reason()} is the reason class (docs/requirements.md, response codes). */
public final class PassportException extends Exception {
    private final Reason reason;

    public PassportException(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
