package org.stirshield.cert;

/** A credential could not be obtained or is not acceptable; {@link #failure()} says why. */
public final class CredentialException extends Exception {
    private final CredentialFailure failure;

    public CredentialException(CredentialFailure failure, String message) {
        super(message, null, false, false);
        this.failure = failure;
    }

    public CredentialException(CredentialFailure failure, String message, Throwable cause) {
        super(message, cause, false, false);
        this.failure = failure;
    }

    public CredentialFailure failure() {
        return failure;
    }
}
