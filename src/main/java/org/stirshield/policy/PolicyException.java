package org.stirshield.policy;

/** A policy file (YAML or CSV) that cannot be used: names the file, the line (0 = unknown) and why. */
public final class PolicyException extends Exception {
    private final String file;
    private final int line;
    private final String reason;

    public PolicyException(String file, int line, String reason) {
        super(file + (line > 0 ? ":" + line : "") + ": " + reason);
        this.file = file;
        this.line = line;
        this.reason = reason;
    }

    public String file() {
        return file;
    }

    /** The 1-based line, or 0 when the problem is not tied to one line (e.g. the file is unreadable). */
    public int line() {
        return line;
    }

    public String reason() {
        return reason;
    }
}
