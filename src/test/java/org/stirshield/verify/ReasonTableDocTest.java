package org.stirshield.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.stirshield.policy.Policy;

/**
 * docs/verification.md's "Reason codes" tables list every STIR_REASON the program can give: every
 * {@link Reason} (verifier, FastAGI server, watchdog), every policy reason ({@link Policy}'s reason constants)
 * and every literal STIR_REASON a script sets (the sign script's); and list nothing else. A new reason without
 * its row fails here.
 */
class ReasonTableDocTest {
    private static final Pattern CODE = Pattern.compile("`([a-z0-9_]+)`");
    private static final Pattern LITERAL_REASON = Pattern.compile("\"STIR_REASON\",\\s*\"([a-z0-9_]+)\"");

    @Test
    void everyReasonTheProgramCanGiveHasARowAndEveryRowIsOne() throws IOException {
        Set<String> emitted = new TreeSet<>();
        for (Reason r : Reason.values()) {
            emitted.add(r.code());
        }
        emitted.addAll(policyReasons());
        emitted.addAll(literalReasons());
        assertTrue(emitted.containsAll(List.of("unknown_script", "inbound_only", "signing_not_configured")), emitted.toString());

        Set<String> documented = documented();
        Set<String> missing = new TreeSet<>(emitted);
        missing.removeAll(documented);
        assertEquals(Set.of(), missing, "reasons without a row in docs/verification.md's Reason codes tables");
        Set<String> stale = new TreeSet<>(documented);
        stale.removeAll(emitted);
        assertEquals(Set.of(), stale, "rows in docs/verification.md's Reason codes tables for no reason the program gives");
    }

    /** Policy's public String constants are its reason codes, but for the name of the names: section's policy. */
    private static Set<String> policyReasons() throws IOException {
        Set<String> out = new TreeSet<>();
        for (Field f : Policy.class.getFields()) {
            if (f.getType() == String.class && Modifier.isStatic(f.getModifiers()) && !f.getName().equals("NAMES_POLICY")) {
                try {
                    out.add((String) f.get(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return out;
    }

    /** STIR_REASON values set as literals in the main sources (not through a Reason or Policy constant). */
    private static Set<String> literalReasons() throws IOException {
        Set<String> out = new TreeSet<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path p : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Matcher m = LITERAL_REASON.matcher(Files.readString(p));
                while (m.find()) {
                    out.add(m.group(1));
                }
            }
        }
        return out;
    }

    /** The first cell of every table row under "## Reason codes" (up to the next section). */
    private static Set<String> documented() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("docs/verification.md"));
        int start = lines.indexOf("## Reason codes");
        assertTrue(start >= 0, "docs/verification.md has a '## Reason codes' section");
        List<String> rows = new ArrayList<>();
        for (int i = start + 1; i < lines.size() && !lines.get(i).startsWith("## "); i++) {
            String l = lines.get(i);
            if (l.startsWith("| `")) {
                rows.add(l.substring(1, l.indexOf('|', 1)));
            }
        }
        Set<String> out = new TreeSet<>();
        for (String cell : rows) {
            Matcher m = CODE.matcher(cell);
            while (m.find()) {
                out.add(m.group(1));
            }
        }
        return out;
    }
}
