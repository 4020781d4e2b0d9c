package org.stirshield.audit;

import java.nio.file.Path;

/** Writes a sample audit file for looking at reports by hand: {@code SampleAuditMain FILE [CALLS]}. */
final class SampleAuditMain {
    public static void main(String[] args) throws Exception {
        SampleAudit.write(Path.of(args[0]), args.length > 1 ? Integer.parseInt(args[1]) : 5000, 42);
    }
}
