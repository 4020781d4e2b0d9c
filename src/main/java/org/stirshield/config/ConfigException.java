package org.stirshield.config;

/**
 * A configuration file that cannot be used: {@code file:line: reason}. The file is an absolute path when
 * the configuration came from disk; the line is 0 when the problem is not tied to one line (an unreadable
 * file). An {@link IllegalArgumentException}, so that code catching bad settings catches this too.
 */
public final class ConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String file;
    private final int line;
    private final String reason;

    public ConfigException(String file, int line, String reason) {
        super(file + (line > 0 ? ":" + line : "") + ": " + reason);
        this.file = file;
        this.line = line;
        this.reason = reason;
    }

    public String file() {
        return file;
    }

    /** The 1-based line, or 0. */
    public int line() {
        return line;
    }

    public String reason() {
        return reason;
    }
}
