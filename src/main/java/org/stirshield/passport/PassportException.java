package org.stirshield.passport;

/** An Identity header or PASSporT failed to parse; {@link #failure()} says what failed. */
public final class PassportException extends Exception {
    private final ParseFailure failure;

    public PassportException(ParseFailure failure, String message) {
        super(message, null, false, false);
        this.failure = failure;
    }

    public ParseFailure failure() {
        return failure;
    }
}
