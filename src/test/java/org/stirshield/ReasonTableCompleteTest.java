package org.stirshield;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * docs/verification.md's "Reason codes" tables list every STIR_REASON the program can give, not only the
 * verify.Reason values ({@link DocsReasonCodesTest} checks those): the policy's reasons and every literal
 * STIR_REASON a script sets (found in the main sources, so a new one cannot be forgotten here); and no row names
 * a reason the program never gives.
 */
class ReasonTableCompleteTest {
    private static final Pattern CODE = Pattern.compile("`([a-z0-9_]+)`");
    private static final Pattern LITERAL_REASON = Pattern.compile("\"STIR_REASON\",\\s*\"([a-z0-9_]+)\"");

    @Test
    void everyReasonTheProgramCanGiveHasARowAndEveryRowIsOne() throws Exception {
        Set<String> emitted = new TreeSet<>(DocsReasonCodesTest.verifyReasons().keySet());
        emitted.addAll(DocsReasonCodesTest.policyReasons());
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path p : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Matcher m = LITERAL_REASON.matcher(Files.readString(p));
                while (m.find()) {
                    emitted.add(m.group(1));
                }
            }
        }
        assertTrue(emitted.containsAll(List.of("unknown_script", "inbound_only", "signing_not_configured")), emitted.toString());

        List<String> lines = Files.readAllLines(Path.of("docs/verification.md"));
        int start = lines.indexOf("## Reason codes");
        assertTrue(start >= 0, "docs/verification.md has a '## Reason codes' section");
        Set<String> documented = new TreeSet<>();
        for (int i = start + 1; i < lines.size() && !lines.get(i).startsWith("## "); i++) {
            String l = lines.get(i);
            if (l.startsWith("| `")) { // a row: the codes of its first cell
                Matcher m = CODE.matcher(l.substring(1, l.indexOf('|', 1)));
                while (m.find()) {
                    documented.add(m.group(1));
                }
            }
        }
        Set<String> missing = new TreeSet<>(emitted);
        missing.removeAll(documented);
        assertEquals(Set.of(), missing, "reasons without a row in docs/verification.md's Reason codes tables");
        Set<String> stale = new TreeSet<>(documented);
        stale.removeAll(emitted);
        assertEquals(Set.of(), stale, "rows in docs/verification.md's Reason codes tables for no reason the program gives");
    }
}
